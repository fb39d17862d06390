//! The RBAC objects kube-apiserver creates at start (its `rbac/bootstrap-roles` post-start hook),
//! for the roles kubefiddle's users and controllers meet.
//!
//! Follows `plugin/pkg/auth/authorizer/rbac/bootstrappolicy/policy.go` (`ClusterRoles`,
//! `ClusterRoleBindings`) and `controller_policy.go` (`system:controller:*` roles, each bound to
//! the ServiceAccount `kube-system/<controller>`) in kubernetes/kubernetes, with the expected
//! objects of its `testdata/cluster-roles.yaml`, `cluster-role-bindings.yaml`,
//! `controller-roles.yaml` and `controller-role-bindings.yaml`:
//!
//! - every object carries the label `kubernetes.io/bootstrapping: rbac-defaults` and the
//!   annotation `rbac.authorization.kubernetes.io/autoupdate: "true"`;
//! - a rule's verbs, API groups, resources, resource names and URLs are sorted (the policy
//!   builder's `RuleOrDie`), so rules are written here in any order;
//! - `admin`, `edit` and `view` have no rules of their own: an `aggregationRule` selects the
//!   ClusterRoles labelled `rbac.authorization.k8s.io/aggregate-to-<role>: "true"`, and the
//!   clusterrole-aggregation controller (`controllers/clusterrole_aggregation.rs`) fills them in.
//!
//! Differences between the simulated versions: `system:basic-user` may create
//! `selfsubjectreviews` from 1.27 (APISelfSubjectReview, beta and on by default in 1.27, GA in
//! 1.28); `system:controller:namespace-controller` may `watch` every resource from 1.32.
//! These rules were compared with upstream's policy of 1.29 to 1.32; 1.33 and 1.34 are taken
//! to be 1.32's, and the `leases` rule of `system:aggregate-to-edit` to be there before 1.29.
//!
//! Only a subset is created: `cluster-admin`, the user-facing `admin`/`edit`/`view` and their
//! `system:aggregate-to-*` parts, `system:basic-user`, `system:discovery`,
//! `system:public-info-viewer`, and the controller roles of the controllers kubefiddle runs.
//! The roles of the scheduler, kubelets, kube-proxy and the other controllers are not.

use serde_json::{json, Map, Value};

const RBAC_API_VERSION: &str = "rbac.authorization.k8s.io/v1";
const RBAC_GROUP: &str = "rbac.authorization.k8s.io";
/// The prefix of the controller roles (`saRolePrefix`).
pub const CONTROLLER_ROLE_PREFIX: &str = "system:controller:";

const READ: &[&str] = &["get", "list", "watch"];
const WRITE: &[&str] = &["create", "update", "patch", "delete", "deletecollection"];
const READ_WRITE: &[&str] = &[
    "get",
    "list",
    "watch",
    "create",
    "update",
    "patch",
    "delete",
    "deletecollection",
];

fn sorted(items: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = items.iter().map(|s| (*s).to_string()).collect();
    v.sort();
    v.dedup();
    v
}

/// A resource rule, its lists sorted as the policy builder sorts them.
fn rule(verbs: &[&str], groups: &[&str], resources: &[&str]) -> Value {
    json!({"apiGroups": sorted(groups), "resources": sorted(resources), "verbs": sorted(verbs)})
}

fn url_rule(verbs: &[&str], urls: &[&str]) -> Value {
    json!({"nonResourceURLs": sorted(urls), "verbs": sorted(verbs)})
}

/// `eventsRule()`: what every controller needs to record events.
fn events_rule() -> Value {
    rule(
        &["create", "update", "patch"],
        &["", "events.k8s.io"],
        &["events"],
    )
}

/// The metadata of a bootstrap object, with extra labels.
fn metadata(name: &str, extra_labels: &[(&str, &str)]) -> Value {
    let mut labels = Map::new();
    labels.insert(
        "kubernetes.io/bootstrapping".into(),
        Value::String("rbac-defaults".into()),
    );
    for (k, v) in extra_labels {
        labels.insert((*k).to_string(), Value::String((*v).to_string()));
    }
    json!({
        "name": name,
        "labels": labels,
        "annotations": {"rbac.authorization.kubernetes.io/autoupdate": "true"},
    })
}

fn cluster_role(name: &str, labels: &[(&str, &str)], rules: Vec<Value>) -> Value {
    json!({"apiVersion": RBAC_API_VERSION, "kind": "ClusterRole",
           "metadata": metadata(name, labels), "rules": rules})
}

/// A role whose rules the aggregation controller computes from the roles labelled
/// `rbac.authorization.k8s.io/aggregate-to-<aggregate>: "true"`.
fn aggregated_role(name: &str, labels: &[(&str, &str)]) -> Value {
    let key = format!("rbac.authorization.k8s.io/aggregate-to-{name}");
    json!({"apiVersion": RBAC_API_VERSION, "kind": "ClusterRole",
           "metadata": metadata(name, labels),
           "aggregationRule": {"clusterRoleSelectors": [{"matchLabels": {key: "true"}}]}})
}

fn cluster_role_binding(name: &str, subjects: Vec<Value>) -> Value {
    json!({"apiVersion": RBAC_API_VERSION, "kind": "ClusterRoleBinding",
           "metadata": metadata(name, &[]),
           "roleRef": {"apiGroup": RBAC_GROUP, "kind": "ClusterRole", "name": name},
           "subjects": subjects})
}

fn group(name: &str) -> Value {
    json!({"apiGroup": RBAC_GROUP, "kind": "Group", "name": name})
}

fn service_account(namespace: &str, name: &str) -> Value {
    json!({"kind": "ServiceAccount", "name": name, "namespace": namespace})
}

const AGGREGATE_TO_ADMIN: (&str, &str) = ("rbac.authorization.k8s.io/aggregate-to-admin", "true");
const AGGREGATE_TO_EDIT: (&str, &str) = ("rbac.authorization.k8s.io/aggregate-to-edit", "true");
const AGGREGATE_TO_VIEW: (&str, &str) = ("rbac.authorization.k8s.io/aggregate-to-view", "true");

/// The ClusterRoles of `ClusterRoles()` that kubefiddle creates, for Kubernetes 1.`minor`.
pub fn cluster_roles(minor: u32) -> Vec<Value> {
    let mut basic_user = vec![rule(
        &["create"],
        &["authorization.k8s.io"],
        &["selfsubjectaccessreviews", "selfsubjectrulesreviews"],
    )];
    if minor >= 27 {
        basic_user.push(rule(
            &["create"],
            &["authentication.k8s.io"],
            &["selfsubjectreviews"],
        ));
    }
    vec![
        cluster_role(
            "cluster-admin",
            &[],
            vec![rule(&["*"], &["*"], &["*"]), url_rule(&["*"], &["*"])],
        ),
        cluster_role(
            "system:discovery",
            &[],
            vec![url_rule(
                &["get"],
                &[
                    "/livez",
                    "/readyz",
                    "/healthz",
                    "/version",
                    "/version/",
                    "/openapi",
                    "/openapi/*",
                    "/api",
                    "/api/*",
                    "/apis",
                    "/apis/*",
                ],
            )],
        ),
        cluster_role("system:basic-user", &[], basic_user),
        cluster_role(
            "system:public-info-viewer",
            &[],
            vec![url_rule(
                &["get"],
                &["/livez", "/readyz", "/healthz", "/version", "/version/"],
            )],
        ),
        aggregated_role("admin", &[]),
        aggregated_role("edit", &[AGGREGATE_TO_ADMIN]),
        aggregated_role("view", &[AGGREGATE_TO_EDIT]),
        cluster_role(
            "system:aggregate-to-admin",
            &[AGGREGATE_TO_ADMIN],
            vec![
                rule(
                    &["create"],
                    &["authorization.k8s.io"],
                    &["localsubjectaccessreviews"],
                ),
                rule(
                    READ_WRITE,
                    &["rbac.authorization.k8s.io"],
                    &["roles", "rolebindings"],
                ),
            ],
        ),
        cluster_role(
            "system:aggregate-to-edit",
            &[AGGREGATE_TO_EDIT],
            aggregate_to_edit_rules(minor),
        ),
        cluster_role(
            "system:aggregate-to-view",
            &[AGGREGATE_TO_VIEW],
            aggregate_to_view_rules(),
        ),
    ]
}

fn aggregate_to_edit_rules(minor: u32) -> Vec<Value> {
    // Writing endpoints left edit in 1.22 (CVE-2021-25740, kubernetes/kubernetes#103704).
    let mut core_writes = vec![
        "replicationcontrollers",
        "replicationcontrollers/scale",
        "serviceaccounts",
        "services",
        "services/proxy",
    ];
    if minor < 22 {
        core_writes.push("endpoints");
    }
    core_writes.extend(["persistentvolumeclaims", "configmaps", "secrets", "events"]);
    let mut rules = vec![
        // Read access to the resources that let one act as the pod's identity.
        rule(
            READ,
            &[""],
            &[
                "pods/attach",
                "pods/proxy",
                "pods/exec",
                "pods/portforward",
                "secrets",
                "services/proxy",
            ],
        ),
        rule(&["impersonate"], &[""], &["serviceaccounts"]),
        rule(
            WRITE,
            &[""],
            &[
                "pods",
                "pods/attach",
                "pods/proxy",
                "pods/exec",
                "pods/portforward",
            ],
        ),
        rule(&["create"], &[""], &["pods/eviction"]),
        rule(WRITE, &[""], &core_writes),
    ];
    // `kubectl create token` came with 1.24 (kubernetes/kubernetes#107880).
    if minor >= 24 {
        rules.push(rule(&["create"], &[""], &["serviceaccounts/token"]));
    }
    rules.extend([
        rule(
            WRITE,
            &["apps"],
            &[
                "statefulsets",
                "statefulsets/scale",
                "daemonsets",
                "deployments",
                "deployments/scale",
                "deployments/rollback",
                "replicasets",
                "replicasets/scale",
            ],
        ),
        rule(WRITE, &["autoscaling"], &["horizontalpodautoscalers"]),
        rule(WRITE, &["batch"], &["jobs", "cronjobs"]),
        rule(
            WRITE,
            &["extensions"],
            &[
                "daemonsets",
                "deployments",
                "deployments/scale",
                "deployments/rollback",
                "ingresses",
                "replicasets",
                "replicasets/scale",
                "replicationcontrollers/scale",
                "networkpolicies",
            ],
        ),
        rule(WRITE, &["policy"], &["poddisruptionbudgets"]),
        rule(
            WRITE,
            &["networking.k8s.io"],
            &["networkpolicies", "ingresses"],
        ),
        rule(READ_WRITE, &["coordination.k8s.io"], &["leases"]),
    ]);
    rules
}

fn aggregate_to_view_rules() -> Vec<Value> {
    vec![
        rule(
            READ,
            &[""],
            &[
                "pods",
                "replicationcontrollers",
                "replicationcontrollers/scale",
                "serviceaccounts",
                "services",
                "services/status",
                "endpoints",
                "persistentvolumeclaims",
                "persistentvolumeclaims/status",
                "configmaps",
            ],
        ),
        rule(
            READ,
            &[""],
            &[
                "limitranges",
                "resourcequotas",
                "bindings",
                "events",
                "pods/status",
                "resourcequotas/status",
                "namespaces/status",
                "replicationcontrollers/status",
                "pods/log",
            ],
        ),
        // Reading the namespace object: a hint of which namespaces one has access to.
        rule(READ, &[""], &["namespaces"]),
        rule(READ, &["discovery.k8s.io"], &["endpointslices"]),
        rule(
            READ,
            &["apps"],
            &[
                "controllerrevisions",
                "statefulsets",
                "statefulsets/status",
                "statefulsets/scale",
                "daemonsets",
                "daemonsets/status",
                "deployments",
                "deployments/status",
                "deployments/scale",
                "replicasets",
                "replicasets/status",
                "replicasets/scale",
            ],
        ),
        rule(
            READ,
            &["autoscaling"],
            &[
                "horizontalpodautoscalers",
                "horizontalpodautoscalers/status",
            ],
        ),
        rule(
            READ,
            &["batch"],
            &["jobs", "cronjobs", "cronjobs/status", "jobs/status"],
        ),
        rule(
            READ,
            &["extensions"],
            &[
                "daemonsets",
                "daemonsets/status",
                "deployments",
                "deployments/scale",
                "deployments/status",
                "ingresses",
                "ingresses/status",
                "replicasets",
                "replicasets/scale",
                "replicasets/status",
                "replicationcontrollers/scale",
                "networkpolicies",
            ],
        ),
        rule(
            READ,
            &["policy"],
            &["poddisruptionbudgets", "poddisruptionbudgets/status"],
        ),
        rule(
            READ,
            &["networking.k8s.io"],
            &["networkpolicies", "ingresses", "ingresses/status"],
        ),
    ]
}

/// The controller roles (`system:controller:<name>`) of the controllers kubefiddle runs.
pub fn controller_roles(minor: u32) -> Vec<Value> {
    let namespace_controller_verbs: &[&str] = if minor >= 32 {
        &["get", "list", "watch", "delete", "deletecollection"]
    } else {
        &["get", "list", "delete", "deletecollection"]
    };
    let role = |name: &str, rules: Vec<Value>| {
        cluster_role(&format!("{CONTROLLER_ROLE_PREFIX}{name}"), &[], rules)
    };
    vec![
        role(
            "clusterrole-aggregation-controller",
            vec![rule(
                &["escalate", "get", "list", "watch", "update", "patch"],
                &["rbac.authorization.k8s.io"],
                &["clusterroles"],
            )],
        ),
        role(
            "deployment-controller",
            vec![
                rule(
                    &["get", "list", "watch", "update"],
                    &["extensions", "apps"],
                    &["deployments"],
                ),
                rule(
                    &["update"],
                    &["extensions", "apps"],
                    &["deployments/status"],
                ),
                rule(
                    &["update"],
                    &["extensions", "apps"],
                    &["deployments/finalizers"],
                ),
                rule(
                    &[
                        "get", "list", "watch", "create", "update", "patch", "delete",
                    ],
                    &["apps", "extensions"],
                    &["replicasets"],
                ),
                rule(&["get", "list", "watch", "update"], &[""], &["pods"]),
                events_rule(),
            ],
        ),
        role(
            "generic-garbage-collector",
            vec![
                rule(
                    &["get", "list", "watch", "patch", "update", "delete"],
                    &["*"],
                    &["*"],
                ),
                events_rule(),
            ],
        ),
        role(
            "namespace-controller",
            vec![
                rule(&["get", "list", "watch", "delete"], &[""], &["namespaces"]),
                rule(
                    &["update"],
                    &[""],
                    &["namespaces/finalize", "namespaces/status"],
                ),
                rule(namespace_controller_verbs, &["*"], &["*"]),
            ],
        ),
        role(
            "replicaset-controller",
            vec![
                rule(
                    &["get", "list", "watch", "update"],
                    &["apps", "extensions"],
                    &["replicasets"],
                ),
                rule(
                    &["update"],
                    &["apps", "extensions"],
                    &["replicasets/status"],
                ),
                rule(
                    &["update"],
                    &["apps", "extensions"],
                    &["replicasets/finalizers"],
                ),
                rule(
                    &["list", "watch", "patch", "create", "delete"],
                    &[""],
                    &["pods"],
                ),
                events_rule(),
            ],
        ),
        role(
            "resourcequota-controller",
            vec![
                // Quota can count anything, so it may list and watch everything.
                rule(&["list", "watch"], &["*"], &["*"]),
                rule(&["update"], &[""], &["resourcequotas/status"]),
                events_rule(),
            ],
        ),
        role(
            "service-account-controller",
            vec![
                rule(&["create"], &[""], &["serviceaccounts"]),
                events_rule(),
            ],
        ),
    ]
}

/// The ClusterRoleBindings of `ClusterRoleBindings()` for the roles above.
pub fn cluster_role_bindings() -> Vec<Value> {
    vec![
        cluster_role_binding("cluster-admin", vec![group("system:masters")]),
        cluster_role_binding("system:discovery", vec![group("system:authenticated")]),
        cluster_role_binding("system:basic-user", vec![group("system:authenticated")]),
        cluster_role_binding(
            "system:public-info-viewer",
            vec![
                group("system:authenticated"),
                group("system:unauthenticated"),
            ],
        ),
    ]
}

/// Each controller role bound to its controller's ServiceAccount in kube-system.
pub fn controller_role_bindings(minor: u32) -> Vec<Value> {
    controller_roles(minor)
        .iter()
        .filter_map(|r| r.pointer("/metadata/name").and_then(Value::as_str))
        .filter_map(|name| {
            let sa = name.strip_prefix(CONTROLLER_ROLE_PREFIX)?;
            Some(cluster_role_binding(
                name,
                vec![service_account("kube-system", sa)],
            ))
        })
        .collect()
}

/// Everything above, in the order the API server creates it: roles, controller roles,
/// bindings, controller bindings.
pub fn policy(minor: u32) -> Vec<Value> {
    let mut all = cluster_roles(minor);
    all.extend(controller_roles(minor));
    all.extend(cluster_role_bindings());
    all.extend(controller_role_bindings(minor));
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    fn named<'a>(objs: &'a [Value], name: &str) -> &'a Value {
        objs.iter()
            .find(|o| o["metadata"]["name"] == name)
            .unwrap_or_else(|| panic!("no {name}"))
    }

    #[test]
    fn rules_are_sorted_like_the_policy_builder() {
        let roles = cluster_roles(34);
        let edit = named(&roles, "system:aggregate-to-edit");
        assert_eq!(
            edit["rules"][2],
            json!({"apiGroups": [""], "resources": ["pods", "pods/attach", "pods/exec", "pods/portforward", "pods/proxy"],
                   "verbs": ["create", "delete", "deletecollection", "patch", "update"]})
        );
        assert_eq!(
            named(&roles, "system:discovery")["rules"][0]["nonResourceURLs"],
            json!([
                "/api",
                "/api/*",
                "/apis",
                "/apis/*",
                "/healthz",
                "/livez",
                "/openapi",
                "/openapi/*",
                "/readyz",
                "/version",
                "/version/"
            ])
        );
        let controllers = controller_roles(34);
        assert_eq!(
            named(&controllers, "system:controller:deployment-controller")["rules"][0],
            json!({"apiGroups": ["apps", "extensions"], "resources": ["deployments"], "verbs": ["get", "list", "update", "watch"]})
        );
    }

    #[test]
    fn versions_differ_where_upstream_does() {
        let basic = |m| named(&cluster_roles(m), "system:basic-user")["rules"].clone();
        assert_eq!(basic(26).as_array().map(Vec::len), Some(1));
        assert_eq!(basic(27)[1]["resources"], json!(["selfsubjectreviews"]));
        let ns = |m| {
            named(
                &controller_roles(m),
                "system:controller:namespace-controller",
            )["rules"][2]["verbs"]
                .clone()
        };
        assert_eq!(ns(31), json!(["delete", "deletecollection", "get", "list"]));
        assert_eq!(
            ns(32),
            json!(["delete", "deletecollection", "get", "list", "watch"])
        );
        let edit_resources = |m| -> Vec<String> {
            named(&cluster_roles(m), "system:aggregate-to-edit")["rules"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|r| {
                    r["verbs"]
                        .as_array()
                        .is_some_and(|v| v.len() > 1 || v[0] != "get")
                })
                .flat_map(|r| r["resources"].as_array().cloned().unwrap_or_default())
                .filter_map(|r| r.as_str().map(String::from))
                .collect()
        };
        let writes = |m: u32, what: &str| edit_resources(m).iter().any(|r| r == what);
        assert!(writes(21, "endpoints") && !writes(22, "endpoints"));
        assert!(!writes(23, "serviceaccounts/token") && writes(24, "serviceaccounts/token"));
    }

    #[test]
    fn every_object_is_labelled_and_controllers_are_bound_to_their_service_accounts() {
        for o in policy(30) {
            assert_eq!(
                o["metadata"]["labels"]["kubernetes.io/bootstrapping"],
                "rbac-defaults"
            );
            assert_eq!(
                o["metadata"]["annotations"]["rbac.authorization.kubernetes.io/autoupdate"],
                "true"
            );
        }
        let bindings = controller_role_bindings(30);
        let rs = named(&bindings, "system:controller:replicaset-controller");
        assert_eq!(
            rs["subjects"],
            json!([{"kind": "ServiceAccount", "name": "replicaset-controller", "namespace": "kube-system"}])
        );
        assert_eq!(
            rs["roleRef"]["name"],
            "system:controller:replicaset-controller"
        );
        assert_eq!(bindings.len(), controller_roles(30).len());
    }
}
