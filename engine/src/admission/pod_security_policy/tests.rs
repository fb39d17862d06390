//! Table tests of the PodSecurityPolicy plugin: one table per control of the talk's list, then
//! policy order, authorization (the user or the pod's service account), and updates. Expected
//! messages are upstream's word for word (see the module docs for the files they come from).

use super::*;
use crate::apiserver::decode_value;
use crate::object::lookup;
use crate::settings::Settings;
use serde_json::{json, Value};

// ---------------------------------------------------------------------------
// Harness
// ---------------------------------------------------------------------------

fn admin() -> UserInfo {
    UserInfo {
        name: "kubernetes-admin".into(),
        groups: vec!["system:masters".into(), "system:authenticated".into()],
    }
}

fn alice() -> UserInfo {
    UserInfo {
        name: "alice".into(),
        groups: vec!["system:authenticated".into()],
    }
}

fn replicaset_controller() -> UserInfo {
    UserInfo {
        name: "system:serviceaccount:kube-system:replicaset-controller".into(),
        groups: vec![
            "system:serviceaccounts".into(),
            "system:serviceaccounts:kube-system".into(),
            "system:authenticated".into(),
        ],
    }
}

/// A policy: every rule RunAsAny and every volume type, then `spec` on top.
fn policy(name: &str, spec: Value) -> Value {
    policy_with(name, json!({}), spec)
}

fn policy_with(name: &str, annotations: Value, spec: Value) -> Value {
    let mut base = json!({
        "seLinux": {"rule": "RunAsAny"}, "runAsUser": {"rule": "RunAsAny"},
        "fsGroup": {"rule": "RunAsAny"}, "supplementalGroups": {"rule": "RunAsAny"},
        "volumes": ["*"]});
    if let (Some(b), Value::Object(extra)) = (base.as_object_mut(), spec) {
        for (k, v) in extra {
            b.insert(k, v);
        }
    }
    json!({"apiVersion": "policy/v1beta1", "kind": "PodSecurityPolicy",
           "metadata": {"name": name, "annotations": annotations}, "spec": base})
}

fn store(objects: &[Value]) -> Store {
    let mut s = Store::new();
    for o in objects {
        let obj = if o["kind"] == "PodSecurityPolicy" {
            Object::PodSecurityPolicy(Box::new(serde_json::from_value(o.clone()).unwrap()))
        } else {
            decode_value(o.clone()).unwrap()
        };
        s.insert_new(obj, None);
    }
    s
}

/// A pod named `p` in `default`, running as the `default` service account (as the
/// ServiceAccount plugin leaves it), with one container `nginx` merged with `container`.
fn pod(spec: Value, container: Value) -> Value {
    let mut c = json!({"name": "nginx", "image": "nginx"});
    if let (Some(cm), Value::Object(extra)) = (c.as_object_mut(), container) {
        for (k, v) in extra {
            cm.insert(k, v);
        }
    }
    let mut s = json!({"serviceAccountName": "default", "containers": [c]});
    if let (Some(sm), Value::Object(extra)) = (s.as_object_mut(), spec) {
        for (k, v) in extra {
            sm.insert(k, v);
        }
    }
    json!({"metadata": {"name": "p", "namespace": "default"}, "spec": s})
}

fn attrs<'a>(
    op: Operation,
    pod: Pod,
    old: Option<&'a Object>,
    user: &'a UserInfo,
) -> Attributes<'a> {
    Attributes {
        operation: op,
        kind: lookup("v1", "Pod").unwrap(),
        namespace: pod.metadata.namespace.clone().unwrap_or_default(),
        name: pod.metadata.name.clone().unwrap_or_default(),
        subresource: String::new(),
        object: Some(Object::Pod(Box::new(pod))),
        old_object: old,
        user,
        warnings: Default::default(),
        notes: Default::default(),
        options: None,
    }
}

/// A pod CREATE through the plugin's mutating then validating pass.
fn create_as(objects: &[Value], user: &UserInfo, pod: Value) -> Result<Pod, String> {
    let store = store(objects);
    let settings = Settings {
        minor: 24,
        ..Settings::default()
    };
    let view = ClusterView {
        store: &store,
        settings: &settings,
    };
    let pod: Pod = serde_json::from_value(pod).unwrap();
    let mut a = attrs(Operation::Create, pod, None, user);
    PodSecurityPolicy
        .admit(&mut a, &view)
        .map_err(|e| e.message)?;
    PodSecurityPolicy
        .validate(&a, &view)
        .map_err(|e| e.message)?;
    match a.object {
        Some(Object::Pod(p)) => Ok(*p),
        _ => Err("no pod".into()),
    }
}

fn create(objects: &[Value], pod: Value) -> Result<Pod, String> {
    create_as(objects, &admin(), pod)
}

/// An UPDATE from `old` to `new` through the validating pass.
fn update(objects: &[Value], old: Value, new: Value) -> Result<(), String> {
    let store = store(objects);
    let settings = Settings {
        minor: 24,
        ..Settings::default()
    };
    let view = ClusterView {
        store: &store,
        settings: &settings,
    };
    let old = Object::Pod(Box::new(serde_json::from_value(old).unwrap()));
    let user = admin();
    let a = attrs(
        Operation::Update,
        serde_json::from_value(new).unwrap(),
        Some(&old),
        &user,
    );
    PodSecurityPolicy.validate(&a, &view).map_err(|e| e.message)
}

fn admit_msg(errs: &[&str]) -> String {
    format!(
        "pods \"p\" is forbidden: PodSecurityPolicy: unable to admit pod: [{}]",
        errs.join(" ")
    )
}

/// Runs each case (name, policy spec, pod spec, container, expected errors) against one policy.
fn rejects(cases: &[(&str, Value, Value, Value, &[&str])]) {
    for (name, psp, spec, container, errs) in cases {
        let got = create(
            &[policy("restricted", psp.clone())],
            pod(spec.clone(), container.clone()),
        );
        assert_eq!(got.err(), Some(admit_msg(errs)), "case: {name}");
    }
}

fn admits(psp: Value, spec: Value, container: Value) -> Pod {
    create(&[policy("restricted", psp)], pod(spec, container)).unwrap()
}

fn container_sc(p: &Pod) -> Value {
    serde_json::to_value(&p.spec.as_ref().unwrap().containers[0].security_context)
        .unwrap_or(Value::Null)
}

fn pod_sc(p: &Pod) -> Value {
    serde_json::to_value(&p.spec.as_ref().unwrap().security_context).unwrap_or(Value::Null)
}

fn annotations(p: &Pod) -> Value {
    serde_json::to_value(&p.metadata.annotations).unwrap_or(Value::Null)
}

// ---------------------------------------------------------------------------
// Controls
// ---------------------------------------------------------------------------

#[test]
fn privileged_containers_need_a_privileged_policy() {
    rejects(&[(
        "privileged",
        json!({"privileged": false}),
        json!({}),
        json!({"securityContext": {"privileged": true}}),
        &["spec.containers[0].securityContext.privileged: Invalid value: true: Privileged containers are not allowed"],
    )]);
    admits(
        json!({"privileged": true}),
        json!({}),
        json!({"securityContext": {"privileged": true}}),
    );
}

#[test]
fn host_namespaces_and_ports_must_be_allowed() {
    rejects(&[
        (
            "hostPID",
            json!({}),
            json!({"hostPID": true}),
            json!({}),
            &["spec.securityContext.hostPID: Invalid value: true: Host PID is not allowed to be used"],
        ),
        (
            "hostIPC",
            json!({}),
            json!({"hostIPC": true}),
            json!({}),
            &["spec.securityContext.hostIPC: Invalid value: true: Host IPC is not allowed to be used"],
        ),
        (
            "hostNetwork",
            json!({}),
            json!({"hostNetwork": true}),
            json!({}),
            &["spec.securityContext.hostNetwork: Invalid value: true: Host network is not allowed to be used"],
        ),
        (
            "host port outside the ranges",
            json!({"hostPorts": [{"min": 80, "max": 80}, {"min": 9000, "max": 9100}]}),
            json!({}),
            json!({"ports": [{"containerPort": 80, "hostPort": 8080}]}),
            &["spec.containers[0].hostPort: Invalid value: 8080: Host port 8080 is not allowed to be used. Allowed ports: [80,9000-9100]"],
        ),
        (
            "no host ports at all",
            json!({}),
            json!({}),
            json!({"ports": [{"containerPort": 80, "hostPort": 80}]}),
            &["spec.containers[0].hostPort: Invalid value: 80: Host port 80 is not allowed to be used. Allowed ports: []"],
        ),
    ]);
    admits(
        json!({"hostPID": true, "hostIPC": true, "hostNetwork": true, "hostPorts": [{"min": 80, "max": 80}]}),
        json!({"hostPID": true, "hostIPC": true, "hostNetwork": true}),
        json!({"ports": [{"containerPort": 80, "hostPort": 80}]}),
    );
}

#[test]
fn volume_types_host_paths_and_flex_drivers_are_checked() {
    let host = |path: &str| json!({"volumes": [{"name": "h", "hostPath": {"path": path}}]});
    rejects(&[
        (
            "type not listed",
            json!({"volumes": ["configMap", "secret"]}),
            host("/etc"),
            json!({}),
            &["spec.volumes[0]: Invalid value: \"hostPath\": hostPath volumes are not allowed to be used"],
        ),
        (
            "path outside the prefixes",
            json!({"volumes": ["hostPath"], "allowedHostPaths": [{"pathPrefix": "/foo"}]}),
            host("/var/lib/docker"),
            json!({}),
            &["spec.volumes[0].hostPath.pathPrefix: Invalid value: \"/var/lib/docker\": is not allowed to be used"],
        ),
        (
            "read-only prefix mounted writable",
            json!({"volumes": ["hostPath"], "allowedHostPaths": [{"pathPrefix": "/foo", "readOnly": true}]}),
            host("/foo/bar"),
            json!({"volumeMounts": [{"name": "h", "mountPath": "/data"}]}),
            &["spec.containers[0].volumeMounts[0].readOnly: Invalid value: false: must be read-only"],
        ),
        (
            "flex driver not listed",
            json!({"volumes": ["flexVolume"], "allowedFlexVolumes": [{"driver": "example/foo"}]}),
            json!({"volumes": [{"name": "f", "flexVolume": {"driver": "example/unknown"}}]}),
            json!({}),
            &["spec.volumes[0].driver: Invalid value: \"example/unknown\": Flexvolume driver is not allowed to be used"],
        ),
        (
            "inline CSI driver not listed",
            json!({"volumes": ["csi"], "allowedCSIDrivers": [{"name": "csi.ok"}]}),
            json!({"volumes": [{"name": "c", "csi": {"driver": "csi.other"}}]}),
            json!({}),
            &["spec.volumes[0].csi.driver: Invalid value: \"csi.other\": Inline CSI driver is not allowed to be used"],
        ),
    ]);
    // `*` allows every type; a read-only mount of a read-only prefix is fine.
    admits(json!({"volumes": ["*"]}), host("/etc"), json!({}));
    admits(
        json!({"volumes": ["hostPath"], "allowedHostPaths": [{"pathPrefix": "/foo", "readOnly": true}]}),
        host("/foo/bar"),
        json!({"volumeMounts": [{"name": "h", "mountPath": "/data", "readOnly": true}]}),
    );
    // The service account token volume counts as a secret volume.
    let token = json!({"volumes": [{"name": "kube-api-access-abcde", "projected": {"sources": [
        {"serviceAccountToken": {"path": "token", "expirationSeconds": 3607}},
        {"configMap": {"name": "kube-root-ca.crt", "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
        {"downwardAPI": {"items": [{"path": "namespace", "fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"}}]}}]}}]});
    admits(json!({"volumes": ["secret"]}), token.clone(), json!({}));
    rejects(&[(
        "projected without secret",
        json!({"volumes": ["configMap"]}),
        token,
        json!({}),
        &["spec.volumes[0]: Invalid value: \"projected\": projected volumes are not allowed to be used"],
    )]);
}

#[test]
fn fs_group_and_supplemental_groups_are_defaulted_or_checked() {
    let must = |r: Value| json!({"rule": "MustRunAs", "ranges": r});
    let may = |r: Value| json!({"rule": "MayRunAs", "ranges": r});
    rejects(&[
        (
            "fsGroup outside MustRunAs",
            json!({"fsGroup": must(json!([{"min": 1, "max": 1}]))}),
            json!({"securityContext": {"fsGroup": 999}}),
            json!({}),
            &["spec.securityContext.fsGroup: Invalid value: []int64{999}: group 999 must be in the ranges: [{1 1}]"],
        ),
        (
            "fsGroup outside MayRunAs",
            json!({"fsGroup": may(json!([{"min": 10, "max": 20}, {"min": 1000, "max": 1001}]))}),
            json!({"securityContext": {"fsGroup": 999}}),
            json!({}),
            &["spec.securityContext.fsGroup: Invalid value: []int64{999}: group 999 must be in the ranges: [{10 20} {1000 1001}]"],
        ),
        (
            "supplemental group outside MustRunAs",
            json!({"supplementalGroups": must(json!([{"min": 1, "max": 5}]))}),
            json!({"securityContext": {"supplementalGroups": [3, 999]}}),
            json!({}),
            &["spec.securityContext.supplementalGroups: Invalid value: []int64{3, 999}: group 999 must be in the ranges: [{1 5}]"],
        ),
        (
            "an explicitly empty list is not defaulted",
            json!({"supplementalGroups": must(json!([{"min": 1, "max": 5}]))}),
            json!({"securityContext": {"supplementalGroups": []}}),
            json!({}),
            &["spec.securityContext.supplementalGroups: Invalid value: []int64{}: unable to validate empty groups against required ranges"],
        ),
    ]);
    let p = admits(
        json!({"fsGroup": must(json!([{"min": 2000, "max": 3000}])),
               "supplementalGroups": must(json!([{"min": 5, "max": 6}]))}),
        json!({}),
        json!({}),
    );
    assert_eq!(
        pod_sc(&p),
        json!({"fsGroup": 2000, "supplementalGroups": [5]})
    );
    // MayRunAs fills in nothing.
    let p = admits(
        json!({"fsGroup": may(json!([{"min": 2000, "max": 3000}]))}),
        json!({}),
        json!({}),
    );
    assert_eq!(pod_sc(&p), Value::Null);
}

#[test]
fn read_only_root_filesystem_is_defaulted_or_required() {
    rejects(&[(
        "explicitly writable",
        json!({"readOnlyRootFilesystem": true}),
        json!({}),
        json!({"securityContext": {"readOnlyRootFilesystem": false}}),
        &["spec.containers[0].securityContext.readOnlyRootFilesystem: Invalid value: false: ReadOnlyRootFilesystem must be set to true"],
    )]);
    let p = admits(
        json!({"readOnlyRootFilesystem": true}),
        json!({}),
        json!({}),
    );
    assert_eq!(container_sc(&p), json!({"readOnlyRootFilesystem": true}));
}

#[test]
fn run_as_user_and_run_as_group_rules() {
    let must = |r: Value| json!({"rule": "MustRunAs", "ranges": r});
    rejects(&[
        (
            "user outside MustRunAs",
            json!({"runAsUser": must(json!([{"min": 1000, "max": 2000}]))}),
            json!({}),
            json!({"securityContext": {"runAsUser": 0}}),
            &["spec.containers[0].securityContext.runAsUser: Invalid value: 0: must be in the ranges: [{1000 2000}]"],
        ),
        (
            "pod-level user outside MustRunAs",
            json!({"runAsUser": must(json!([{"min": 1000, "max": 2000}]))}),
            json!({"securityContext": {"runAsUser": 5}}),
            json!({}),
            &["spec.containers[0].securityContext.runAsUser: Invalid value: 5: must be in the ranges: [{1000 2000}]"],
        ),
        (
            "root under MustRunAsNonRoot",
            json!({"runAsUser": {"rule": "MustRunAsNonRoot"}}),
            json!({}),
            json!({"securityContext": {"runAsUser": 0}}),
            &["spec.containers[0].securityContext.runAsUser: Invalid value: 0: running with the root UID is forbidden"],
        ),
        (
            "runAsNonRoot false under MustRunAsNonRoot",
            json!({"runAsUser": {"rule": "MustRunAsNonRoot"}}),
            json!({}),
            json!({"securityContext": {"runAsNonRoot": false}}),
            &["spec.containers[0].securityContext.runAsNonRoot: Invalid value: false: must be true"],
        ),
        (
            "group outside MustRunAs",
            json!({"runAsGroup": must(json!([{"min": 100, "max": 200}]))}),
            json!({}),
            json!({"securityContext": {"runAsGroup": 5}}),
            &["spec.containers[0].securityContext: Invalid value: []int64{5}: group 5 must be in the ranges: [{100 200}]"],
        ),
        (
            "group outside MayRunAs",
            json!({"runAsGroup": {"rule": "MayRunAs", "ranges": [{"min": 100, "max": 200}]}}),
            json!({}),
            json!({"securityContext": {"runAsGroup": 5}}),
            &["spec.containers[0].securityContext: Invalid value: []int64{5}: group 5 must be in the ranges: [{100 200}]"],
        ),
    ]);
    let p = admits(
        json!({"runAsUser": must(json!([{"min": 1000, "max": 2000}])),
               "runAsGroup": must(json!([{"min": 100, "max": 200}]))}),
        json!({}),
        json!({}),
    );
    assert_eq!(
        container_sc(&p),
        json!({"runAsGroup": 100, "runAsUser": 1000})
    );
    // A pod-level user in range leaves the container alone.
    let p = admits(
        json!({"runAsUser": must(json!([{"min": 1000, "max": 2000}]))}),
        json!({"securityContext": {"runAsUser": 1500}}),
        json!({}),
    );
    assert_eq!(container_sc(&p), Value::Null);
    let p = admits(
        json!({"runAsUser": {"rule": "MustRunAsNonRoot"}}),
        json!({}),
        json!({}),
    );
    assert_eq!(container_sc(&p), json!({"runAsNonRoot": true}));
}

#[test]
fn privilege_escalation_is_defaulted_or_refused() {
    rejects(&[(
        "escalation asked for",
        json!({"allowPrivilegeEscalation": false}),
        json!({}),
        json!({"securityContext": {"allowPrivilegeEscalation": true}}),
        &["spec.containers[0].securityContext.allowPrivilegeEscalation: Invalid value: true: Allowing privilege escalation for containers is not allowed"],
    )]);
    let p = admits(
        json!({"allowPrivilegeEscalation": false}),
        json!({}),
        json!({}),
    );
    assert_eq!(container_sc(&p), json!({"allowPrivilegeEscalation": false}));
    let p = admits(
        json!({"defaultAllowPrivilegeEscalation": false}),
        json!({}),
        json!({}),
    );
    assert_eq!(container_sc(&p), json!({"allowPrivilegeEscalation": false}));
    // Allowed, and not defaulted: the container keeps what it asks for.
    let p = admits(
        json!({"defaultAllowPrivilegeEscalation": false}),
        json!({}),
        json!({"securityContext": {"allowPrivilegeEscalation": true}}),
    );
    assert_eq!(container_sc(&p), json!({"allowPrivilegeEscalation": true}));
}

#[test]
fn capabilities_are_added_dropped_and_limited() {
    rejects(&[(
        "capability not allowed",
        json!({"allowedCapabilities": ["NET_ADMIN"]}),
        json!({}),
        json!({"securityContext": {"capabilities": {"add": ["SYS_ADMIN", "NET_ADMIN"]}}}),
        &["spec.containers[0].securityContext.capabilities.add: Invalid value: \"SYS_ADMIN\": capability may not be added"],
    )]);
    let p = admits(
        json!({"defaultAddCapabilities": ["CHOWN"], "requiredDropCapabilities": ["NET_RAW"]}),
        json!({}),
        json!({"securityContext": {"capabilities": {"drop": ["MKNOD"]}}}),
    );
    assert_eq!(
        container_sc(&p),
        json!({"capabilities": {"add": ["CHOWN"], "drop": ["MKNOD", "NET_RAW"]}})
    );
    admits(
        json!({"allowedCapabilities": ["*"]}),
        json!({}),
        json!({"securityContext": {"capabilities": {"add": ["SYS_ADMIN"]}}}),
    );
}

#[test]
fn selinux_must_run_as_the_policys_context() {
    let psp = json!({"seLinux": {"rule": "MustRunAs", "seLinuxOptions": {"level": "s0:c1,c2"}}});
    rejects(&[(
        "other level",
        psp.clone(),
        json!({"securityContext": {"seLinuxOptions": {"level": "s0:c3"}}}),
        json!({}),
        &[
            "spec.securityContext.seLinuxOptions.level: Invalid value: \"s0:c3\": must be s0:c1,c2",
            "spec.containers[0].securityContext.seLinuxOptions.level: Invalid value: \"s0:c3\": must be s0:c1,c2",
        ],
    )]);
    let p = admits(psp.clone(), json!({}), json!({}));
    assert_eq!(pod_sc(&p), json!({"seLinuxOptions": {"level": "s0:c1,c2"}}));
    assert_eq!(container_sc(&p), Value::Null);
    admits(
        psp,
        json!({"securityContext": {"seLinuxOptions": {"level": "s0:c2,c1"}}}),
        json!({}),
    );
}

#[test]
fn only_the_default_proc_mount_is_allowed_in_1_24() {
    // The ProcMountType gate is off, so allowedProcMountTypes is dropped from every policy.
    rejects(&[(
        "unmasked",
        json!({"allowedProcMountTypes": ["Default", "Unmasked"]}),
        json!({}),
        json!({"securityContext": {"procMount": "Unmasked"}}),
        &["spec.containers[0].securityContext.procMount: Invalid value: \"Unmasked\": ProcMountType is not allowed"],
    )]);
    admits(
        json!({}),
        json!({}),
        json!({"securityContext": {"procMount": "Default"}}),
    );
}

#[test]
fn apparmor_profiles_come_from_annotations() {
    let restricted = |default: bool| {
        let mut an =
            json!({"apparmor.security.beta.kubernetes.io/allowedProfileNames": "runtime/default"});
        if default {
            an["apparmor.security.beta.kubernetes.io/defaultProfileName"] =
                json!("runtime/default");
        }
        policy_with("restricted", an, json!({}))
    };
    let err = create(&[restricted(false)], pod(json!({}), json!({}))).unwrap_err();
    assert_eq!(err, admit_msg(&["pod.metadata.annotations[container.apparmor.security.beta.kubernetes.io/nginx]: Forbidden: AppArmor profile must be set"]));
    let mut asked = pod(json!({}), json!({}));
    asked["metadata"]["annotations"] =
        json!({"container.apparmor.security.beta.kubernetes.io/nginx": "localhost/foo"});
    let err = create(&[restricted(true)], asked).unwrap_err();
    assert_eq!(err, admit_msg(&["pod.metadata.annotations[container.apparmor.security.beta.kubernetes.io/nginx]: Forbidden: localhost/foo is not an allowed profile. Allowed values: \"runtime/default\""]));
    let p = create(&[restricted(true)], pod(json!({}), json!({}))).unwrap();
    assert_eq!(
        annotations(&p),
        json!({"container.apparmor.security.beta.kubernetes.io/nginx": "runtime/default", "kubernetes.io/psp": "restricted"})
    );
}

#[test]
fn seccomp_profiles_come_from_annotations_and_fields() {
    let mut asked = pod(json!({}), json!({}));
    asked["metadata"]["annotations"] =
        json!({"seccomp.security.alpha.kubernetes.io/pod": "runtime/default"});
    let err = create(&[policy("restricted", json!({}))], asked).unwrap_err();
    assert_eq!(
        err,
        admit_msg(&[
            "pod.metadata.annotations[seccomp.security.alpha.kubernetes.io/pod]: Forbidden: seccomp may not be set",
            "pod.metadata.annotations[container.seccomp.security.alpha.kubernetes.io/nginx]: Forbidden: seccomp may not be set",
        ])
    );
    let restricted = policy_with(
        "restricted",
        json!({"seccomp.security.alpha.kubernetes.io/allowedProfileNames": "docker/default,runtime/default",
               "seccomp.security.alpha.kubernetes.io/defaultProfileName": "runtime/default"}),
        json!({}),
    );
    let p = create(std::slice::from_ref(&restricted), pod(json!({}), json!({}))).unwrap();
    assert_eq!(
        annotations(&p),
        json!({"kubernetes.io/psp": "restricted", "seccomp.security.alpha.kubernetes.io/pod": "runtime/default"})
    );
    let unconfined = pod(
        json!({"securityContext": {"seccompProfile": {"type": "Unconfined"}}}),
        json!({}),
    );
    let err = create(&[restricted], unconfined).unwrap_err();
    assert_eq!(
        err,
        admit_msg(&[
            "pod.metadata.annotations[seccomp.security.alpha.kubernetes.io/pod]: Forbidden: unconfined is not an allowed seccomp profile. Valid values are docker/default,runtime/default",
            "pod.metadata.annotations[container.seccomp.security.alpha.kubernetes.io/nginx]: Forbidden: unconfined is not an allowed seccomp profile. Valid values are docker/default,runtime/default",
        ])
    );
}

#[test]
fn sysctls_must_be_safe_or_allowed_and_not_forbidden() {
    let sysctl =
        |name: &str| json!({"securityContext": {"sysctls": [{"name": name, "value": "1"}]}});
    rejects(&[
        (
            "forbidden pattern",
            json!({"forbiddenSysctls": ["kernel.*"]}),
            sysctl("kernel.shm_rmid_forced"),
            json!({}),
            &["pod.spec.securityContext.sysctls[0]: Forbidden: sysctl \"kernel.shm_rmid_forced\" is not allowed"],
        ),
        (
            "unsafe",
            json!({}),
            sysctl("kernel.msgmax"),
            json!({}),
            &["pod.spec.securityContext.sysctls[0]: Forbidden: unsafe sysctl \"kernel.msgmax\" is not allowed"],
        ),
    ]);
    admits(
        json!({}),
        sysctl("net.ipv4.ip_unprivileged_port_start"),
        json!({}),
    );
    admits(
        json!({"allowedUnsafeSysctls": ["kernel.msg*"]}),
        sysctl("kernel.msgmax"),
        json!({}),
    );
}

// ---------------------------------------------------------------------------
// Choosing a policy
// ---------------------------------------------------------------------------

#[test]
fn without_any_policy_no_pod_is_admitted() {
    assert_eq!(
        create(&[], pod(json!({}), json!({}))).unwrap_err(),
        "pods \"p\" is forbidden: PodSecurityPolicy: no providers available to validate pod request"
    );
}

#[test]
fn a_policy_that_changes_nothing_wins_over_one_that_defaults() {
    let defaults = policy(
        "a-defaults",
        json!({"runAsUser": {"rule": "MustRunAs", "ranges": [{"min": 1000, "max": 1000}]}}),
    );
    let plain = policy("z-plain", json!({}));
    let p = create(&[defaults.clone(), plain], pod(json!({}), json!({}))).unwrap();
    assert_eq!(annotations(&p), json!({"kubernetes.io/psp": "z-plain"}));
    assert_eq!(container_sc(&p), Value::Null);
    // Among policies that all change the pod, the first by name.
    let other = policy(
        "b-defaults",
        json!({"runAsUser": {"rule": "MustRunAs", "ranges": [{"min": 2000, "max": 2000}]}}),
    );
    let p = create(&[other, defaults], pod(json!({}), json!({}))).unwrap();
    assert_eq!(annotations(&p), json!({"kubernetes.io/psp": "a-defaults"}));
    assert_eq!(container_sc(&p), json!({"runAsUser": 1000}));
}

#[test]
fn the_errors_of_every_refusing_policy_are_listed_by_policy_name() {
    let err = create(
        &[
            policy("b", json!({"hostPID": false})),
            policy("a", json!({"privileged": false})),
        ],
        pod(
            json!({"hostPID": true}),
            json!({"securityContext": {"privileged": true}}),
        ),
    )
    .unwrap_err();
    assert_eq!(
        err,
        admit_msg(&[
            "spec.securityContext.hostPID: Invalid value: true: Host PID is not allowed to be used",
            "spec.containers[0].securityContext.privileged: Invalid value: true: Privileged containers are not allowed",
            "spec.securityContext.hostPID: Invalid value: true: Host PID is not allowed to be used",
            "spec.containers[0].securityContext.privileged: Invalid value: true: Privileged containers are not allowed",
        ])
    );
}

// ---------------------------------------------------------------------------
// Authorization
// ---------------------------------------------------------------------------

fn use_role(name: &str, group: &str, policy: &str) -> Value {
    json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": name},
           "rules": [{"apiGroups": [group], "resources": ["podsecuritypolicies"], "verbs": ["use"], "resourceNames": [policy]}]})
}

fn binding(namespace: &str, role: &str, subject: Value) -> Value {
    json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
           "metadata": {"name": format!("{role}-binding"), "namespace": namespace},
           "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": role},
           "subjects": [subject]})
}

#[test]
fn the_pods_service_account_may_use_the_policy_for_a_controller() {
    let objects = [
        policy("my-psp", json!({"privileged": false})),
        use_role("my-clusterrole", "policy", "my-psp"),
        binding(
            "default",
            "my-clusterrole",
            json!({"kind": "ServiceAccount", "name": "default", "namespace": "default"}),
        ),
    ];
    let p = create_as(
        &objects,
        &replicaset_controller(),
        pod(json!({}), json!({})),
    )
    .unwrap();
    assert_eq!(annotations(&p), json!({"kubernetes.io/psp": "my-psp"}));
    // Another service account has no grant.
    let err = create_as(
        &objects,
        &replicaset_controller(),
        pod(json!({"serviceAccountName": "robot"}), json!({})),
    )
    .unwrap_err();
    assert_eq!(err, admit_msg(&[]));
}

#[test]
fn the_requesting_user_may_use_the_policy_too() {
    let objects = [
        policy("alices", json!({})),
        use_role("psp-user", "policy", "alices"),
        binding(
            "default",
            "psp-user",
            json!({"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": "alice"}),
        ),
    ];
    assert!(create_as(&objects, &alice(), pod(json!({}), json!({}))).is_ok());
    // The same pod made by a controller: neither it nor the service account may use it.
    assert_eq!(
        create_as(
            &objects,
            &replicaset_controller(),
            pod(json!({}), json!({}))
        )
        .unwrap_err(),
        admit_msg(&[])
    );
}

#[test]
fn service_accounts_are_in_their_namespace_group_and_the_legacy_group_counts() {
    let objects = [
        policy("ns-wide", json!({})),
        use_role("legacy", "extensions", "ns-wide"),
        binding(
            "default",
            "legacy",
            json!({"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": "system:serviceaccounts:default"}),
        ),
    ];
    assert!(create_as(
        &objects,
        &replicaset_controller(),
        pod(json!({}), json!({}))
    )
    .is_ok());
}

#[test]
fn a_binding_to_all_authenticated_users_covers_the_controller_but_not_the_service_account() {
    // Service accounts are in system:serviceaccounts groups only; the ReplicaSet controller,
    // as any authenticated user, is in system:authenticated.
    let objects = [
        policy("everyone", json!({})),
        use_role("psp-user", "policy", "everyone"),
        binding(
            "default",
            "psp-user",
            json!({"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": "system:authenticated"}),
        ),
    ];
    assert!(create_as(
        &objects,
        &replicaset_controller(),
        pod(json!({}), json!({}))
    )
    .is_ok());
    let anonymous = UserInfo {
        name: "system:anonymous".into(),
        groups: vec!["system:unauthenticated".into()],
    };
    assert_eq!(
        create_as(&objects, &anonymous, pod(json!({}), json!({}))).unwrap_err(),
        admit_msg(&[])
    );
}

#[test]
fn unusable_policies_neither_admit_nor_explain() {
    // `open` would admit the pod but nobody may use it; `usable` refuses it.
    let objects = [
        policy("open", json!({"privileged": true})),
        policy("usable", json!({"privileged": false})),
        use_role("psp-user", "policy", "usable"),
        binding(
            "default",
            "psp-user",
            json!({"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": "alice"}),
        ),
    ];
    let privileged = pod(json!({}), json!({"securityContext": {"privileged": true}}));
    assert_eq!(
        create_as(&objects, &alice(), privileged).unwrap_err(),
        admit_msg(&["spec.containers[0].securityContext.privileged: Invalid value: true: Privileged containers are not allowed"])
    );
}

// ---------------------------------------------------------------------------
// Updates
// ---------------------------------------------------------------------------

#[test]
fn updates_are_validated_without_defaulting() {
    let objects = [policy(
        "drop-all",
        json!({"requiredDropCapabilities": ["ALL"]}),
    )];
    let mut old = pod(
        json!({}),
        json!({"securityContext": {"capabilities": {"drop": ["ALL"]}}}),
    );
    old["metadata"]["annotations"] = json!({"kubernetes.io/psp": "drop-all"});
    let mut relabeled = old.clone();
    relabeled["metadata"]["labels"] = json!({"app": "web"});
    assert_eq!(update(&objects, old.clone(), relabeled), Ok(()));
    // A pod the policy would have to change is refused, with nothing to explain.
    let mut bare = pod(json!({}), json!({}));
    bare["metadata"]["annotations"] = json!({"kubernetes.io/psp": "drop-all"});
    let mut bare_relabeled = bare.clone();
    bare_relabeled["metadata"]["labels"] = json!({"app": "web"});
    assert_eq!(
        update(&objects, bare, bare_relabeled),
        Err("pods \"p\" is forbidden: PodSecurityPolicy: unable to validate pod: []".into())
    );
}

#[test]
fn garbage_collector_updates_are_not_checked() {
    let old = pod(json!({}), json!({}));
    let mut new = old.clone();
    new["metadata"]["finalizers"] = json!(["example.com/wait"]);
    assert_eq!(update(&[], old, new), Ok(()));
}

#[test]
fn errors_point_at_the_field_in_the_v1_manifest() {
    assert_eq!(
        manifest_field("spec.securityContext.hostPID"),
        "spec.hostPID"
    );
    assert_eq!(
        manifest_field("pod.spec.securityContext.sysctls[1]"),
        "spec.securityContext.sysctls[1]"
    );
    assert_eq!(
        manifest_field("pod.metadata.annotations[seccomp.security.alpha.kubernetes.io/pod]"),
        "metadata.annotations.seccomp.security.alpha.kubernetes.io/pod"
    );
    assert_eq!(
        manifest_field("spec.containers[0].securityContext.privileged"),
        "spec.containers[0].securityContext.privileged"
    );
}
