//! API errors as the API server returns them (a `metav1.Status` with a reason), and the way
//! kubectl prints them.
//!
//! Follows `k8s.io/apimachinery/pkg/api/errors/errors.go` (NewNotFound, NewForbidden,
//! NewInvalid, NewAlreadyExists, NewBadRequest and their message formats) and
//! `k8s.io/kubectl/pkg/cmd/util/helpers.go` (`Error from server (Reason): ...`).

use serde::Serialize;

/// `metav1.StatusReason`, the word kubectl prints in parentheses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Reason {
    BadRequest,
    Forbidden,
    NotFound,
    AlreadyExists,
    Conflict,
    Invalid,
    MethodNotAllowed,
    InternalError,
    /// HTTP 429 (`errors.NewTooManyRequestsError`).
    TooManyRequests,
    /// `errors.NewServerTimeout` (HTTP 500 with reason ServerTimeout): retry later.
    ServerTimeout,
    /// `metav1.StatusReasonUnknown` (the empty reason): a plain Go error that reached the
    /// handler, answered as HTTP 500 (`responsewriters.ErrorToAPIStatus`).
    Unknown,
}

impl Reason {
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::BadRequest => "BadRequest",
            Reason::Forbidden => "Forbidden",
            Reason::NotFound => "NotFound",
            Reason::AlreadyExists => "AlreadyExists",
            Reason::Conflict => "Conflict",
            Reason::Invalid => "Invalid",
            Reason::MethodNotAllowed => "MethodNotAllowed",
            Reason::InternalError => "InternalError",
            Reason::TooManyRequests => "TooManyRequests",
            Reason::ServerTimeout => "ServerTimeout",
            Reason::Unknown => "",
        }
    }
}

/// An error the simulated API server returns for a request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ApiError {
    pub reason: Reason,
    /// The Status message, exactly as the API server would put it.
    pub message: String,
    /// The field the error is about (`spec.containers[0].image`), to point at its line.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Who decided: an admission plugin's name, `decoder`, `validation`, `authorization`.
    pub source: String,
    /// For Invalid errors: the kind and name of `Status.details`, and its causes as
    /// `field: body` lines, which kubectl prints instead of the message.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub causes: Vec<String>,
    #[serde(skip)]
    pub details: Option<(String, String)>,
}

impl ApiError {
    pub fn new(reason: Reason, message: impl Into<String>, source: impl Into<String>) -> Self {
        ApiError {
            reason,
            message: message.into(),
            field: None,
            source: source.into(),
            causes: Vec::new(),
            details: None,
        }
    }

    /// Marks which admission plugin returned this error.
    pub fn from_plugin(mut self, plugin: &str) -> Self {
        self.source = plugin.to_string();
        self
    }

    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    /// `errors.NewNotFound`: `pods "web" not found`.
    pub fn not_found(resource: &str, name: &str) -> Self {
        ApiError::new(
            Reason::NotFound,
            format!("{resource} {name:?} not found"),
            "registry",
        )
    }

    /// `errors.NewAlreadyExists`: `pods "web" already exists`.
    pub fn already_exists(resource: &str, name: &str) -> Self {
        ApiError::new(
            Reason::AlreadyExists,
            format!("{resource} {name:?} already exists"),
            "registry",
        )
    }

    /// `errors.NewForbidden`: `pods "web" is forbidden: <err>`; with an empty name,
    /// `pods is forbidden: <err>`.
    pub fn forbidden(resource: &str, name: &str, err: &str, source: &str) -> Self {
        let message = if name.is_empty() {
            format!("{resource} is forbidden: {err}")
        } else {
            format!("{resource} {name:?} is forbidden: {err}")
        };
        ApiError::new(Reason::Forbidden, message, source)
    }

    /// `errors.NewInvalid`: `Pod "web" is invalid: <field errors>` (one error plain, several in
    /// brackets joined by ", "); `qualified_kind` is `Kind` for core and `Kind.group` otherwise.
    pub fn invalid(qualified_kind: &str, name: &str, errors: &[FieldError], source: &str) -> Self {
        let mut rendered: Vec<String> = Vec::new();
        for e in errors {
            let r = e.to_string();
            if !rendered.contains(&r) {
                rendered.push(r);
            }
        }
        let body = if rendered.len() == 1 {
            rendered[0].clone()
        } else {
            format!("[{}]", rendered.join(", "))
        };
        let mut e = ApiError::new(
            Reason::Invalid,
            format!("{qualified_kind} {name:?} is invalid: {body}"),
            source,
        );
        e.field = errors.first().map(|f| f.field.clone());
        e.causes = rendered;
        let bare_kind = qualified_kind.split('.').next().unwrap_or(qualified_kind);
        e.details = Some((bare_kind.to_string(), name.to_string()));
        e
    }

    /// What kubectl prints for this error (kubectl/pkg/cmd/util/helpers.go): Invalid errors
    /// from their details (`The Pod "web" is invalid: ...`, several causes as a `* ` list), the
    /// others as `Error from server (Reason): error when creating "FILE": message`.
    pub fn kubectl_line(&self, verb: Verb, file: &str) -> String {
        if self.reason == Reason::Invalid {
            if let Some((kind, name)) = &self.details {
                let prefix = format!("The {kind} {name:?} is invalid");
                return match self.causes.len() {
                    0 => prefix,
                    1 => format!("{prefix}: {}", self.causes[0]),
                    _ => {
                        let mut out = format!("{prefix}: ");
                        for c in &self.causes {
                            out.push_str("\n* ");
                            out.push_str(c);
                        }
                        out
                    }
                };
            }
        }
        let when = match verb {
            Verb::Create => format!("error when creating {file:?}: "),
            Verb::Retrieve {
                info,
                namespace,
                name,
            } => {
                let gv = format!("{}/{}", info.group, info.version);
                format!(
                    "error when retrieving current configuration of:\nResource: \"{gv}, Resource={}\", GroupVersionKind: \"{gv}, Kind={}\"\nName: {name:?}, Namespace: {namespace:?}\nfrom server for: {file:?}: ",
                    info.plural, info.kind
                )
            }
            Verb::Other => String::new(),
        };
        // kubectl prints the reason only when the Status has one.
        match self.reason.as_str() {
            "" => format!("Error from server: {when}{}", self.message),
            reason => format!("Error from server ({reason}): {when}{}", self.message),
        }
    }
}

/// What kubectl was doing when the error came back; changes the wording around it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verb {
    Create,
    /// kubectl apply's GET of the current object (`error when retrieving current
    /// configuration of:` + the object's `Info.String()`).
    Retrieve {
        info: &'static crate::object::KindInfo,
        namespace: String,
        name: String,
    },
    Other,
}

/// One validation error: `field.Error` from `k8s.io/apimachinery/pkg/util/validation/field`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: String,
    pub kind: FieldErrorKind,
    /// The bad value as Go's `%#v`/quoted form shows it, when the kind shows one.
    pub value: Option<String>,
    pub detail: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum FieldErrorKind {
    Required,
    Invalid,
    Forbidden,
    NotSupported,
    Duplicate,
    TooLong,
}

impl FieldError {
    pub fn required(field: &str, detail: &str) -> Self {
        FieldError {
            field: field.to_string(),
            kind: FieldErrorKind::Required,
            value: None,
            detail: detail.to_string(),
        }
    }

    pub fn invalid(field: &str, value: String, detail: &str) -> Self {
        FieldError {
            field: field.to_string(),
            kind: FieldErrorKind::Invalid,
            value: Some(value),
            detail: detail.to_string(),
        }
    }

    pub fn forbidden(field: &str, detail: &str) -> Self {
        FieldError {
            field: field.to_string(),
            kind: FieldErrorKind::Forbidden,
            value: None,
            detail: detail.to_string(),
        }
    }

    /// `field.NotSupported`: `Unsupported value: "x": supported values: "a", "b"`.
    pub fn not_supported(field: &str, value: &str, supported: &[&str]) -> Self {
        let list: Vec<String> = supported.iter().map(|s| format!("{s:?}")).collect();
        FieldError {
            field: field.to_string(),
            kind: FieldErrorKind::NotSupported,
            value: Some(format!("{value:?}")),
            detail: format!("supported values: {}", list.join(", ")),
        }
    }
}

impl std::fmt::Display for FieldError {
    /// `field.Error.Error()`: `<field>: <type>[: <value>][: <detail>]`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = match self.kind {
            FieldErrorKind::Required => "Required value",
            FieldErrorKind::Invalid => "Invalid value",
            FieldErrorKind::Forbidden => "Forbidden",
            FieldErrorKind::NotSupported => "Unsupported value",
            FieldErrorKind::Duplicate => "Duplicate value",
            FieldErrorKind::TooLong => "Too long",
        };
        write!(f, "{}: {kind}", self.field)?;
        if let Some(v) = &self.value {
            write!(f, ": {v}")?;
        }
        if !self.detail.is_empty() {
            write!(f, ": {}", self.detail)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_follow_the_api_errors_package() {
        assert_eq!(
            ApiError::not_found("pods", "web").message,
            "pods \"web\" not found"
        );
        assert_eq!(
            ApiError::forbidden("pods", "web", "no", "x").message,
            "pods \"web\" is forbidden: no"
        );
        let one = ApiError::invalid(
            "Pod",
            "web",
            &[FieldError::required("spec.containers[0].image", "")],
            "v",
        );
        assert_eq!(
            one.message,
            "Pod \"web\" is invalid: spec.containers[0].image: Required value"
        );
        let two = ApiError::invalid(
            "Pod",
            "web",
            &[
                FieldError::required("spec.containers", ""),
                FieldError::not_supported(
                    "spec.restartPolicy",
                    "Sometimes",
                    &["Always", "Never", "OnFailure"],
                ),
            ],
            "v",
        );
        assert_eq!(
            two.kubectl_line(Verb::Create, "p.yaml"),
            "The Pod \"web\" is invalid: \n* spec.containers: Required value\n* spec.restartPolicy: Unsupported value: \"Sometimes\": supported values: \"Always\", \"Never\", \"OnFailure\""
        );
        assert_eq!(
            two.message,
            "Pod \"web\" is invalid: [spec.containers: Required value, spec.restartPolicy: Unsupported value: \"Sometimes\": supported values: \"Always\", \"Never\", \"OnFailure\"]"
        );
    }

    #[test]
    fn kubectl_wraps_server_errors_with_the_file() {
        let e = ApiError::forbidden("pods", "web", "exceeded quota", "ResourceQuota");
        assert_eq!(
            e.kubectl_line(Verb::Create, "pod.yaml"),
            "Error from server (Forbidden): error when creating \"pod.yaml\": pods \"web\" is forbidden: exceeded quota"
        );
    }
}
