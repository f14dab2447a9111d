//! Load benchmark against a running Sandbank (release binary, loopback):
//!
//! 1. complete authorization-code flows per second: PAR (private_key_jwt, PKCE, DPoP) →
//!    `/authorize` with auto-consent → `/token` (private_key_jwt, DPoP);
//! 2. protected `GET /accounts` requests per second, each with a fresh DPoP proof the server
//!    verifies (signature, `ath`, `htu`, replay check in the database);
//! 3. the same for `GET /accounts/{id}/transactions?pageSize=100` (the bank API's heaviest read).
//!
//! ```sh
//! cargo build --release
//! target/release/sandbank serve --addr 127.0.0.1:8080 --database-url sqlite::memory: --auto-consent &
//! cargo run --release -p sandbank-fapi --example flow_bench -- http://127.0.0.1:8080 10 8
//! ```
//!
//! Arguments: base URL (= issuer), seconds per phase (default 10), concurrent clients (8).
//! Keys, client assertions and DPoP proofs are made here with aws-lc-rs and jsonwebtoken.
//!
//! With `--wrk-proofs FILE COUNT` after the base URL it runs no phase: it gets one access token
//! for alice and writes, for `GET /accounts/{id}/transactions?pageSize=100` of her current
//! account, the request target, the token and COUNT distinct DPoP proofs (one per line) for
//! `bench/wrk-dpop.lua`, so that wrk sends every request with a proof of its own
//! (`bench/wrk.sh` does all of it).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

fn sha256(text: &str) -> String {
    b64(aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, text.as_bytes()).as_ref())
}

fn random() -> String {
    let mut bytes = [0u8; 16];
    aws_lc_rs::rand::fill(&mut bytes).unwrap();
    b64(&bytes)
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

struct Key {
    encoding: EncodingKey,
    jwk: Value,
    kid: String,
}

impl Key {
    fn generate() -> Key {
        let pair = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_FIXED_SIGNING).unwrap();
        let point = pair.public_key().as_ref().to_vec();
        Key {
            encoding: EncodingKey::from_ec_der(pair.to_pkcs8v1().unwrap().as_ref()),
            jwk: json!({"kty": "EC", "crv": "P-256", "x": b64(&point[1..33]), "y": b64(&point[33..65])}),
            kid: random(),
        }
    }

    fn proof(&self, htm: &str, htu: &str, token: Option<&str>) -> String {
        let mut header = Header::new(Algorithm::ES256);
        header.typ = Some("dpop+jwt".into());
        header.jwk = Some(serde_json::from_value(self.jwk.clone()).unwrap());
        let mut claims = json!({"jti": random(), "htm": htm, "htu": htu, "iat": now()});
        if let Some(token) = token {
            claims["ath"] = Value::from(sha256(token));
        }
        jsonwebtoken::encode(&header, &claims, &self.encoding).unwrap()
    }

    fn assertion(&self, client_id: &str, issuer: &str) -> String {
        let mut header = Header::new(Algorithm::ES256);
        header.kid = Some(self.kid.clone());
        let claims = json!({"iss": client_id, "sub": client_id, "aud": issuer, "iat": now(), "exp": now() + 60, "jti": random()});
        jsonwebtoken::encode(&header, &claims, &self.encoding).unwrap()
    }
}

struct Bench {
    http: reqwest::Client,
    issuer: String,
    client_id: String,
    key: Key,
}

impl Bench {
    async fn flow(&self) -> String {
        let verifier = format!("{}{}{}", random(), random(), random());
        let par = self.issuer.clone() + "/par";
        let response = self
            .http
            .post(&par)
            .header("DPoP", self.key.proof("POST", &par, None))
            .form(&[
                ("client_id", self.client_id.as_str()),
                (
                    "client_assertion_type",
                    "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                ),
                (
                    "client_assertion",
                    &self.key.assertion(&self.client_id, &self.issuer),
                ),
                ("response_type", "code"),
                ("redirect_uri", "http://127.0.0.1:9/cb"),
                ("scope", "openid accounts transactions"),
                ("code_challenge", &sha256(&verifier)),
                ("code_challenge_method", "S256"),
                ("login_hint", "alice"),
                ("state", "bench"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 201, "{}", response.text().await.unwrap());
        let request_uri = response.json::<Value>().await.unwrap()["request_uri"]
            .as_str()
            .unwrap()
            .to_owned();
        let response = self
            .http
            .get(self.issuer.clone() + "/authorize")
            .query(&[
                ("client_id", self.client_id.as_str()),
                ("request_uri", &request_uri),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 303);
        let location = response.headers()["location"].to_str().unwrap().to_owned();
        let code = url::Url::parse(&location)
            .unwrap()
            .query_pairs()
            .find(|(k, _)| k == "code")
            .map(|(_, v)| v.into_owned())
            .unwrap();
        let token = self.issuer.clone() + "/token";
        let response = self
            .http
            .post(&token)
            .header("DPoP", self.key.proof("POST", &token, None))
            .form(&[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", "http://127.0.0.1:9/cb"),
                ("code_verifier", &verifier),
                (
                    "client_assertion_type",
                    "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                ),
                (
                    "client_assertion",
                    &self.key.assertion(&self.client_id, &self.issuer),
                ),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
        response.json::<Value>().await.unwrap()["access_token"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    async fn accounts(&self, token: &str) {
        self.get(token, "/accounts", "").await;
    }

    /// A protected GET with a fresh DPoP proof; the body as JSON.
    async fn get(&self, token: &str, path: &str, query: &str) -> Value {
        let url = self.issuer.clone() + path;
        let response = self
            .http
            .get(format!("{url}{query}"))
            .header("Authorization", format!("DPoP {token}"))
            .header("DPoP", self.key.proof("GET", &url, Some(token)))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
        response.json().await.unwrap()
    }
}

async fn run<F, Fut>(seconds: u64, workers: usize, work: F) -> (u64, Vec<Duration>)
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    let work = Arc::new(work);
    let done = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut handles = Vec::new();
    for _ in 0..workers {
        let (work, done) = (work.clone(), done.clone());
        handles.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            while Instant::now() < deadline {
                let started = Instant::now();
                work().await;
                latencies.push(started.elapsed());
                done.fetch_add(1, Ordering::Relaxed);
            }
            latencies
        }));
    }
    let mut latencies = Vec::new();
    for handle in handles {
        latencies.extend(handle.await.unwrap());
    }
    latencies.sort();
    (done.load(Ordering::Relaxed), latencies)
}

fn report(what: &str, count: u64, seconds: u64, latencies: &[Duration]) {
    let pick = |q: f64| {
        latencies
            .get(((latencies.len() as f64 * q) as usize).min(latencies.len().saturating_sub(1)))
            .copied()
            .unwrap_or_default()
    };
    println!(
        "{what}: {count} in {seconds} s = {:.0}/s; latency p50 {:.1} ms, p99 {:.1} ms",
        count as f64 / seconds as f64,
        pick(0.5).as_secs_f64() * 1000.0,
        pick(0.99).as_secs_f64() * 1000.0
    );
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let issuer = args
        .next()
        .unwrap_or_else(|| "http://127.0.0.1:8080".into());
    let rest: Vec<String> = args.collect();
    let wrk = match rest.first().map(String::as_str) {
        Some("--wrk-proofs") => {
            let file = rest.get(1).expect("--wrk-proofs FILE COUNT").clone();
            let count: usize = rest
                .get(2)
                .and_then(|count| count.parse().ok())
                .expect("--wrk-proofs FILE COUNT");
            Some((file, count))
        }
        _ => None,
    };
    let seconds: u64 = rest.first().and_then(|s| s.parse().ok()).unwrap_or(10);
    let workers: usize = rest.get(1).and_then(|s| s.parse().ok()).unwrap_or(8);
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let key = Key::generate();
    let mut jwk = key.jwk.clone();
    jwk["kid"] = Value::from(key.kid.clone());
    jwk["alg"] = Value::from("ES256");
    let registration: Value = http
        .post(issuer.clone() + "/register")
        .json(&json!({"redirect_uris": ["http://127.0.0.1:9/cb"], "jwks": {"keys": [jwk]}, "client_name": "flow bench", "sandbox_auto_consent": true}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let bench = Arc::new(Bench {
        http,
        client_id: registration["client_id"]
            .as_str()
            .expect("registration failed")
            .to_owned(),
        issuer,
        key,
    });
    if let Some((file, count)) = wrk {
        write_wrk_proofs(&bench, &file, count).await;
        return;
    }
    let b = bench.clone();
    let (count, latencies) = run(seconds, workers, move || {
        let b = b.clone();
        async move {
            b.flow().await;
        }
    })
    .await;
    report(
        "authorization-code flows (PAR -> authorize -> token)",
        count,
        seconds,
        &latencies,
    );
    let token = Arc::new(bench.flow().await);
    let (b, t) = (bench.clone(), token.clone());
    let (count, latencies) = run(seconds, workers, move || {
        let (b, token) = (b.clone(), t.clone());
        async move {
            b.accounts(&token).await;
        }
    })
    .await;
    report("GET /accounts with DPoP", count, seconds, &latencies);

    // The bank API's heaviest read: a page of 100 transactions of alice's current account.
    let path = Arc::new(transactions_path(&bench, &token).await);
    let b = bench.clone();
    let (count, latencies) = run(seconds, workers, move || {
        let (b, token, path) = (b.clone(), token.clone(), path.clone());
        async move {
            let page = b.get(&token, &path, "?pageSize=100").await;
            assert_eq!(page["data"].as_array().map(Vec::len), Some(100));
        }
    })
    .await;
    report(
        "GET /accounts/{id}/transactions?pageSize=100 with DPoP",
        count,
        seconds,
        &latencies,
    );
}

/// The transactions of alice's first account (her current account, the busiest).
async fn transactions_path(bench: &Bench, token: &str) -> String {
    let accounts = bench.get(token, "/accounts", "").await;
    let account = accounts["data"][0]["accountId"].as_str().unwrap();
    format!("/accounts/{account}/transactions")
}

/// The input of `bench/wrk-dpop.lua`: the request target, an access token, then `count` DPoP
/// proofs for that request, each with its own `jti`.
async fn write_wrk_proofs(bench: &Bench, file: &str, count: usize) {
    let token = bench.flow().await;
    let path = transactions_path(bench, &token).await;
    let htu = bench.issuer.clone() + &path;
    let mut lines = Vec::with_capacity(count + 2);
    lines.push(format!("{path}?pageSize=100"));
    lines.push(token.clone());
    lines.extend((0..count).map(|_| bench.key.proof("GET", &htu, Some(&token))));
    std::fs::write(file, lines.join("\n") + "\n").unwrap();
    eprintln!("wrote {count} DPoP proofs for GET {path}?pageSize=100 to {file}");
}
