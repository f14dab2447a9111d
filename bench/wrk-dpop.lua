-- wrk script: every request carries a DPoP proof of its own.
--
-- The server refuses a replayed proof (each `jti` is remembered), so wrk's usual fixed headers
-- cannot be used. `flow_bench --wrk-proofs FILE COUNT` writes FILE: the request target, an access
-- token, then COUNT proofs, one per line. Each wrk thread takes every THREADS-th proof, starting
-- at its own index, so no two requests share a proof. Run by bench/wrk.sh:
--
--   wrk -t2 -c8 -d20s --latency -s bench/wrk-dpop.lua URL -- FILE THREADS

local threads = 0

function setup(thread)
  thread:set("index", threads)
  threads = threads + 1
end

function init(args)
  local file = assert(io.open(args[1], "r"))
  local stride = tonumber(args[2])
  target = file:read("*l")
  token = file:read("*l")
  proofs = {}
  local line = 0
  for proof in file:lines() do
    if line % stride == index then
      proofs[#proofs + 1] = proof
    end
    line = line + 1
  end
  file:close()
  next_proof = 1
end

function request()
  local proof = proofs[next_proof]
  next_proof = next_proof + 1
  -- Out of proofs: the request goes without one and is counted as non-2xx by wrk.
  return wrk.format("GET", target, {
    ["Authorization"] = "DPoP " .. token,
    ["DPoP"] = proof or "",
  })
end
