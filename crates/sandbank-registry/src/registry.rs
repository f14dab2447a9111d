//! The registry: Sandbank's own schemas plus those registered at run time, compiled validators
//! cached by id, validation, compatibility and Confluent-style subjects.
//!
//! Every schema is also a *subject* in Confluent's sense: a built-in schema named `account` is
//! the subject `account`, its versions numbered 1, 2... in semantic-version order. Built-in
//! subjects are read-only: registering a schema into one returns the id of an identical version
//! and is refused otherwise ([`RegistryError::ReadOnly`]).

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use serde::Serialize;
use serde_json::Value;

use crate::builtin::{BuiltinSchema, Builtins, fnv1a};
use crate::compat::{self, CompatibilityMode, Finding};
use crate::store::{MemoryStore, RegistryStore, StoreError, StoredSchema};
use crate::validation::{CompiledSchema, Issue};

/// The compatibility level when none was configured (Confluent's default).
pub const DEFAULT_MODE: CompatibilityMode = CompatibilityMode::Backward;

/// How many times a registration is retried when another one for the same subject wins.
const REGISTER_ATTEMPTS: usize = 5;

/// What went wrong in a registry operation. HTTP layers map each variant to a status.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    /// No built-in schema or registered subject has that name.
    #[error("subject '{0}' not found")]
    SubjectNotFound(String),
    /// The subject exists but not that version.
    #[error("version {version} not found for '{name}'")]
    VersionNotFound {
        /// Subject or schema name.
        name: String,
        /// The version asked for.
        version: String,
    },
    /// No schema has that id.
    #[error("schema {0} not found")]
    IdNotFound(u32),
    /// The subject has no version with that schema (lookup).
    #[error("schema not found under subject '{0}'")]
    SchemaNotFound(String),
    /// A version that is neither `latest` nor a known form.
    #[error(
        "the specified version '{0}' is not a valid version id; allowed: 'latest', -1 or a positive integer"
    )]
    InvalidVersion(String),
    /// The text is not a JSON Schema this registry accepts.
    #[error("invalid schema: {0}")]
    InvalidSchema(String),
    /// The work a schema (or validating an instance against it) would take is past a bound
    /// ([`crate::cost`]).
    #[error(transparent)]
    TooComplex(#[from] crate::cost::TooComplex),
    /// The schema breaks the subject's compatibility level.
    #[error(
        "schema being registered is incompatible with an earlier schema for subject '{subject}' under {mode}"
    )]
    Incompatible {
        /// The subject.
        subject: String,
        /// The level checked.
        mode: CompatibilityMode,
        /// Each reason, with its pointer.
        messages: Vec<String>,
    },
    /// Registering into one of Sandbank's own subjects.
    #[error(
        "subject '{0}' is one of Sandbank's own schemas and is read-only; register under another subject name"
    )]
    ReadOnly(String),
    /// `GET /config/{subject}` for a subject without its own level.
    #[error("subject '{0}' does not have subject-level compatibility configured")]
    NoSubjectConfig(String),
    /// Storage failed; details are logged, not sent.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A version asked for: `latest` or an exact one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VersionRef {
    /// The newest version.
    Latest,
    /// A semantic version (built-ins) or a subject version number.
    Exact(String),
}

impl VersionRef {
    /// `latest` (any case) or an exact version.
    pub fn parse(text: &str) -> Self {
        if text.eq_ignore_ascii_case("latest") {
            Self::Latest
        } else {
            Self::Exact(text.to_owned())
        }
    }

    /// A Confluent version: `latest` (any case), `-1` or a positive integer in decimal digits
    /// (the `pattern` of `crate::http::confluent::VersionParam`). A number too large to be a
    /// version is one no subject has.
    pub fn parse_subject_version(text: &str) -> Result<Self, RegistryError> {
        if text.eq_ignore_ascii_case("latest") || text == "-1" {
            return Ok(Self::Latest);
        }
        let digits = text.trim_start_matches('0');
        if digits.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
            return Err(RegistryError::InvalidVersion(text.to_owned()));
        }
        Ok(Self::Exact(digits.to_owned()))
    }
}

/// One version of a schema, built-in or registered.
#[derive(Debug, Clone)]
pub struct SchemaVersion {
    /// Schema or subject name.
    pub name: String,
    /// The version's name: a semantic version for built-ins, the subject version for others.
    pub version: String,
    /// Position in the subject, from 1.
    pub subject_version: u32,
    /// Global id.
    pub id: u32,
    /// Whether it is the newest version.
    pub latest: bool,
    /// Whether it is one of Sandbank's own schemas.
    pub builtin: bool,
    /// The document.
    pub document: Arc<Value>,
    /// The document as served (pretty JSON, final newline).
    pub text: Arc<str>,
}

impl SchemaVersion {
    /// A strong entity tag for the served text.
    pub fn etag(&self) -> String {
        format!("\"{:016x}\"", fnv1a(self.text.as_bytes()))
    }

    /// The compact JSON text Confluent clients receive in `schema` fields.
    pub fn compact(&self) -> String {
        canonical(&self.document)
    }

    fn from_builtin(builtin: &BuiltinSchema) -> Self {
        Self {
            name: builtin.name.to_owned(),
            version: builtin.version.clone(),
            subject_version: builtin.subject_version,
            id: builtin.id,
            latest: builtin.latest,
            builtin: true,
            document: builtin.document.clone(),
            text: builtin.text.clone(),
        }
    }

    fn from_stored(subject: &str, stored: &StoredSchema, latest: bool) -> Self {
        let document: Value = serde_json::from_str(&stored.schema).unwrap_or(Value::Null);
        let mut text = serde_json::to_string_pretty(&document).unwrap_or_default();
        text.push('\n');
        Self {
            name: subject.to_owned(),
            version: stored.version.to_string(),
            subject_version: stored.version,
            id: stored.id,
            latest,
            builtin: false,
            document: Arc::new(document),
            text: Arc::from(text),
        }
    }
}

/// The result of validating an instance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct ValidationReport {
    /// Whether the instance matches the schema.
    pub valid: bool,
    /// Every error, in document order; empty when valid.
    pub errors: Vec<IssueView>,
}

/// One validation error (the same fields as [`Issue`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct IssueView {
    /// JSON pointer to the offending part of the instance; `""` is the whole instance.
    pub instance_path: String,
    /// JSON pointer to the schema keyword that failed.
    pub schema_path: String,
    /// The failing keyword, e.g. `pattern`.
    pub keyword: String,
    /// What went wrong, for a person.
    pub message: String,
}

impl From<Issue> for IssueView {
    fn from(issue: Issue) -> Self {
        Self {
            instance_path: issue.instance_path,
            schema_path: issue.schema_path,
            keyword: issue.keyword,
            message: issue.message,
        }
    }
}

/// The result of a compatibility check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct CompatibilityReport {
    /// Whether the candidate is compatible under the mode.
    pub compatible: bool,
    /// The mode checked.
    pub mode: CompatibilityMode,
    /// Each incompatibility as a line: kind, pointer, reason and direction.
    pub messages: Vec<String>,
    /// The same, structured.
    pub incompatibilities: Vec<Finding>,
}

/// The text of a JSON value with object keys sorted and no whitespace: two schemas are "the
/// same" when their canonical texts are equal.
pub fn canonical(value: &Value) -> String {
    fn sorted(value: &Value) -> Value {
        match value {
            Value::Object(fields) => {
                let mut keys: Vec<&String> = fields.keys().collect();
                keys.sort();
                Value::Object(
                    keys.into_iter()
                        .map(|key| (key.clone(), sorted(&fields[key.as_str()])))
                        .collect(),
                )
            }
            Value::Array(items) => Value::Array(items.iter().map(sorted).collect()),
            other => other.clone(),
        }
    }
    serde_json::to_string(&sorted(value)).unwrap_or_default()
}

/// Checks that a value is a JSON Schema the registry can use (compiles under 2020-12, with
/// only local references).
pub fn parse_schema(value: &Value) -> Result<Arc<CompiledSchema>, RegistryError> {
    if !(value.is_object() || value.is_boolean()) {
        return Err(RegistryError::InvalidSchema(
            "a JSON Schema is an object or a boolean".into(),
        ));
    }
    crate::cost::check_document(value)?;
    CompiledSchema::compile(value)
        .map(Arc::new)
        .map_err(|error| RegistryError::InvalidSchema(error.to_string()))
}

/// A short name for a subject or schema entry in listings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SchemaSummary {
    /// Schema or subject name.
    pub name: String,
    /// Human title (built-ins) or the subject name.
    pub title: String,
    /// The newest version.
    pub latest: String,
    /// Every version, oldest first.
    pub versions: Vec<String>,
    /// Whether it is one of Sandbank's own schemas (read-only) or registered at run time.
    pub builtin: bool,
}

/// A version in a listing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct VersionSummary {
    /// Version name: a semantic version for built-ins, a number for registered subjects.
    pub version: String,
    /// Position in the subject, from 1 (Confluent's version).
    pub subject_version: u32,
    /// Global id (Confluent's schema id).
    pub id: u32,
    /// The document's `$id`, when it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schema_id: Option<String>,
    /// Whether it is the newest version.
    pub latest: bool,
}

/// The schema registry. Cheap to share behind an `Arc`.
pub struct Registry {
    builtins: Builtins,
    store: Arc<dyn RegistryStore>,
    validators: RwLock<HashMap<u32, Arc<CompiledSchema>>>,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registry").finish_non_exhaustive()
    }
}

impl Registry {
    /// A registry whose registered schemas live in `store`.
    pub fn new(store: Arc<dyn RegistryStore>) -> Self {
        Self {
            builtins: Builtins::load(),
            store,
            validators: RwLock::new(HashMap::new()),
        }
    }

    /// A registry with an in-memory store.
    pub fn in_memory() -> Self {
        Self::new(Arc::new(MemoryStore::new()))
    }

    /// Sandbank's own schemas.
    pub fn builtins(&self) -> &Builtins {
        &self.builtins
    }

    /// Every built-in schema, then every registered subject.
    pub async fn summaries(&self) -> Result<Vec<SchemaSummary>, RegistryError> {
        let mut out: Vec<SchemaSummary> = self
            .builtins
            .all()
            .map(|(name, title, versions)| SchemaSummary {
                name: name.to_owned(),
                title: title.to_owned(),
                latest: versions
                    .last()
                    .map(|v| v.version.clone())
                    .unwrap_or_default(),
                versions: versions.iter().map(|v| v.version.clone()).collect(),
                builtin: true,
            })
            .collect();
        for subject in self.store.subjects().await? {
            if self.builtins.versions(&subject).is_some() {
                continue;
            }
            let versions = self.store.versions(&subject).await?;
            out.push(SchemaSummary {
                title: subject.clone(),
                name: subject,
                latest: versions
                    .last()
                    .map(|v| v.version.to_string())
                    .unwrap_or_default(),
                versions: versions.iter().map(|v| v.version.to_string()).collect(),
                builtin: false,
            });
        }
        Ok(out)
    }

    /// Every version of a schema or subject, oldest first.
    pub async fn versions(&self, name: &str) -> Result<Vec<SchemaVersion>, RegistryError> {
        if let Some(versions) = self.builtins.versions(name) {
            return Ok(versions.iter().map(SchemaVersion::from_builtin).collect());
        }
        let stored = self.store.versions(name).await?;
        if stored.is_empty() {
            return Err(RegistryError::SubjectNotFound(name.to_owned()));
        }
        let last = stored.len() - 1;
        Ok(stored
            .iter()
            .enumerate()
            .map(|(index, s)| SchemaVersion::from_stored(name, s, index == last))
            .collect())
    }

    /// The versions as listed by the native API.
    pub async fn version_summaries(
        &self,
        name: &str,
    ) -> Result<Vec<VersionSummary>, RegistryError> {
        Ok(self
            .versions(name)
            .await?
            .into_iter()
            .map(|v| VersionSummary {
                schema_id: v
                    .document
                    .get("$id")
                    .and_then(Value::as_str)
                    .map(str::to_owned),
                version: v.version,
                subject_version: v.subject_version,
                id: v.id,
                latest: v.latest,
            })
            .collect())
    }

    /// One version, by its name (`1.0.0`, or `3` for a registered subject) or `latest`.
    pub async fn get(
        &self,
        name: &str,
        version: &VersionRef,
    ) -> Result<SchemaVersion, RegistryError> {
        let versions = self.versions(name).await?;
        let found = match version {
            VersionRef::Latest => versions.last(),
            VersionRef::Exact(wanted) => versions.iter().find(|v| &v.version == wanted),
        };
        found
            .cloned()
            .ok_or_else(|| RegistryError::VersionNotFound {
                name: name.to_owned(),
                version: match version {
                    VersionRef::Latest => "latest".to_owned(),
                    VersionRef::Exact(v) => v.clone(),
                },
            })
    }

    /// One version by its Confluent subject version number or `latest`.
    pub async fn subject_version(
        &self,
        subject: &str,
        version: &VersionRef,
    ) -> Result<SchemaVersion, RegistryError> {
        let versions = self.versions(subject).await?;
        let found = match version {
            VersionRef::Latest => versions.last(),
            VersionRef::Exact(wanted) => versions
                .iter()
                .find(|v| v.subject_version.to_string() == *wanted),
        };
        found
            .cloned()
            .ok_or_else(|| RegistryError::VersionNotFound {
                name: subject.to_owned(),
                version: match version {
                    VersionRef::Latest => "latest".to_owned(),
                    VersionRef::Exact(v) => v.clone(),
                },
            })
    }

    /// The compiled validator of a version, compiled on first use and cached by id.
    pub fn validator(&self, version: &SchemaVersion) -> Result<Arc<CompiledSchema>, RegistryError> {
        if let Some(found) = self.cached_validator(version.id) {
            return Ok(found);
        }
        let compiled = parse_schema(&version.document)?;
        self.cache_validator(version.id, &compiled);
        Ok(compiled)
    }

    fn cached_validator(&self, id: u32) -> Option<Arc<CompiledSchema>> {
        self.validators
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .get(&id)
            .cloned()
    }

    fn cache_validator(&self, id: u32, compiled: &Arc<CompiledSchema>) {
        self.validators
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .insert(id, compiled.clone());
    }

    /// Validates an instance against a version of a schema, on a blocking thread, after
    /// counting the work it takes ([`crate::cost::check_validation`]): an instance that would
    /// take too long is refused with [`RegistryError::TooComplex`] instead.
    pub async fn validate(
        &self,
        name: &str,
        version: &VersionRef,
        instance: Value,
    ) -> Result<ValidationReport, RegistryError> {
        let version = self.get(name, version).await?;
        let (id, document) = (version.id, version.document.clone());
        let cached = self.cached_validator(id);
        let (compiled, errors) = off_the_runtime(move || {
            let compiled = match cached {
                Some(compiled) => compiled,
                None => parse_schema(&document)?,
            };
            crate::cost::check_validation(&document, &instance)?;
            let errors: Vec<IssueView> = compiled
                .issues(&instance)
                .into_iter()
                .map(IssueView::from)
                .collect();
            Ok((compiled, errors))
        })
        .await?;
        self.cache_validator(id, &compiled);
        Ok(ValidationReport {
            valid: errors.is_empty(),
            errors,
        })
    }

    /// The compatibility level of a subject: its own, else the global one, else BACKWARD.
    pub async fn effective_mode(&self, subject: &str) -> Result<CompatibilityMode, RegistryError> {
        if let Some(mode) = self.store.config(Some(subject)).await? {
            return Ok(mode);
        }
        Ok(self.store.config(None).await?.unwrap_or(DEFAULT_MODE))
    }

    /// Checks a candidate schema against every version of `name` under `mode` (the subject's
    /// level when `None`).
    pub async fn check_compatibility(
        &self,
        name: &str,
        candidate: &Value,
        mode: Option<CompatibilityMode>,
    ) -> Result<CompatibilityReport, RegistryError> {
        check_schema(candidate).await?;
        let versions = self.versions(name).await?;
        let mode = match mode {
            Some(mode) => mode,
            None => self.effective_mode(name).await?,
        };
        checked_report(mode, candidate, &versions).await
    }

    /// Subject names: the built-ins, then registered subjects, sorted within each group.
    pub async fn subjects(&self) -> Result<Vec<String>, RegistryError> {
        let mut names: Vec<String> = self
            .builtins
            .all()
            .map(|(name, _, _)| name.to_owned())
            .collect();
        names.sort();
        for subject in self.store.subjects().await? {
            if !names.contains(&subject) {
                names.push(subject);
            }
        }
        Ok(names)
    }

    /// The schema with that id.
    pub async fn by_id(&self, id: u32) -> Result<String, RegistryError> {
        if let Some(builtin) = self.builtins.by_id(id) {
            return Ok(canonical(&builtin.document));
        }
        self.store
            .schema_by_id(id)
            .await?
            .ok_or(RegistryError::IdNotFound(id))
    }

    /// The version of `subject` whose schema is `schema`.
    pub async fn lookup(
        &self,
        subject: &str,
        schema: &Value,
    ) -> Result<SchemaVersion, RegistryError> {
        let versions = self.versions(subject).await?;
        let wanted = canonical(schema);
        versions
            .into_iter()
            .find(|v| canonical(&v.document) == wanted)
            .ok_or_else(|| RegistryError::SchemaNotFound(subject.to_owned()))
    }

    /// Registers `schema` under `subject` after checking it against the subject's level;
    /// returns its id. Registering a schema the subject already has returns its id again.
    pub async fn register(&self, subject: &str, schema: &Value) -> Result<u32, RegistryError> {
        check_schema(schema).await?;
        if self.builtins.versions(subject).is_some() {
            return match self.lookup(subject, schema).await {
                Ok(found) => Ok(found.id),
                Err(_) => Err(RegistryError::ReadOnly(subject.to_owned())),
            };
        }
        let text = canonical(schema);
        for _ in 0..REGISTER_ATTEMPTS {
            let stored = self.store.versions(subject).await?;
            if let Some(existing) = stored.iter().find(|s| s.schema == text) {
                return Ok(existing.id);
            }
            let last = stored.len().saturating_sub(1);
            let versions: Vec<SchemaVersion> = stored
                .iter()
                .enumerate()
                .map(|(index, s)| SchemaVersion::from_stored(subject, s, index == last))
                .collect();
            let mode = self.effective_mode(subject).await?;
            let report = checked_report(mode, schema, &versions).await?;
            if !report.compatible {
                return Err(RegistryError::Incompatible {
                    subject: subject.to_owned(),
                    mode,
                    messages: report.messages,
                });
            }
            match self
                .store
                .register(subject, &text, stored.last().map(|s| s.version))
                .await
            {
                Ok(registration) => return Ok(registration.id),
                Err(StoreError::Conflict) => continue,
                Err(error) => return Err(error.into()),
            }
        }
        Err(StoreError::Conflict.into())
    }

    /// Checks `schema` against one version of a subject (or, for `latest` with a transitive
    /// level, against all) under the subject's level. Returns the messages; empty when
    /// compatible.
    pub async fn test_compatibility(
        &self,
        subject: &str,
        version: &VersionRef,
        schema: &Value,
    ) -> Result<CompatibilityReport, RegistryError> {
        check_schema(schema).await?;
        let mode = self.effective_mode(subject).await?;
        let versions = match self.versions(subject).await {
            Ok(versions) => versions,
            // Confluent answers "compatible" for a subject with no versions yet.
            Err(RegistryError::SubjectNotFound(_)) if *version == VersionRef::Latest => Vec::new(),
            Err(error) => return Err(error),
        };
        let against: Vec<SchemaVersion> = match version {
            VersionRef::Latest => versions,
            VersionRef::Exact(_) => vec![self.subject_version(subject, version).await?],
        };
        checked_report(mode, schema, &against).await
    }

    /// The compatibility level: of a subject (with `default_to_global`, falling back to the
    /// global level), or the global one.
    pub async fn config(
        &self,
        subject: Option<&str>,
        default_to_global: bool,
    ) -> Result<CompatibilityMode, RegistryError> {
        match subject {
            None => Ok(self.store.config(None).await?.unwrap_or(DEFAULT_MODE)),
            Some(subject) => match self.store.config(Some(subject)).await? {
                Some(mode) => Ok(mode),
                None if default_to_global => {
                    Ok(self.store.config(None).await?.unwrap_or(DEFAULT_MODE))
                }
                None => Err(RegistryError::NoSubjectConfig(subject.to_owned())),
            },
        }
    }

    /// Sets the compatibility level of a subject or the global one.
    pub async fn set_config(
        &self,
        subject: Option<&str>,
        mode: CompatibilityMode,
    ) -> Result<(), RegistryError> {
        Ok(self.store.set_config(subject, mode).await?)
    }
}

/// [`parse_schema`] on a blocking thread: compiling a large schema takes a while.
pub async fn check_schema(value: &Value) -> Result<(), RegistryError> {
    let value = value.clone();
    off_the_runtime(move || parse_schema(&value).map(drop)).await
}

/// The compatibility report of `candidate` against `versions`, worked out on a blocking thread
/// (a check is bounded, but can take a CPU for a while).
async fn checked_report(
    mode: CompatibilityMode,
    candidate: &Value,
    versions: &[SchemaVersion],
) -> Result<CompatibilityReport, RegistryError> {
    let candidate = candidate.clone();
    let versions = versions.to_vec();
    off_the_runtime(move || report(mode, &candidate, &versions)).await
}

/// Runs CPU-heavy registry work (compiling, comparing, validating) on Tokio's blocking pool, so
/// that the async workers keep answering other requests meanwhile.
async fn off_the_runtime<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, RegistryError> + Send + 'static,
) -> Result<T, RegistryError> {
    tokio::task::spawn_blocking(work).await.map_err(|error| {
        RegistryError::Store(StoreError::Backend(format!(
            "a registry worker thread stopped: {error}"
        )))
    })?
}

fn report(
    mode: CompatibilityMode,
    candidate: &Value,
    versions: &[SchemaVersion],
) -> Result<CompatibilityReport, RegistryError> {
    let previous: Vec<Value> = versions.iter().map(|v| (*v.document).clone()).collect();
    let findings = compat::check(mode, candidate, &previous)?;
    let messages = findings
        .iter()
        .map(|finding| {
            let version = versions
                .get(finding.against)
                .map(|v| v.version.as_str())
                .unwrap_or("?");
            format!("{finding} against version {version}")
        })
        .collect();
    Ok(CompatibilityReport {
        compatible: findings.is_empty(),
        mode,
        messages,
        incompatibilities: findings,
    })
}
