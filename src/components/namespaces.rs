//! The namespaces tab: per namespace, what constrains its pods. ResourceQuotas as usage bars
//! (used / hard per resource: green, amber from 80 %, red when full), LimitRanges as
//! `kubectl describe limitrange` lists them, and the Pod Security levels (enforce, audit, warn)
//! with their versions. Everything comes from `views::namespaces`.

use std::rc::Rc;

use kubefiddle_engine::views::{LimitRangeView, NamespaceView, PodSecurityMode, QuotaView};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct NamespacesProps {
    pub namespaces: Rc<Vec<NamespaceView>>,
}

#[function_component(Namespaces)]
pub fn namespaces(props: &NamespacesProps) -> Html {
    if props.namespaces.is_empty() {
        return html! {
            <p class="muted empty-tab">{ "No namespace of yours yet, and none with a ResourceQuota, a LimitRange or a Pod Security label." }</p>
        };
    }
    html! {
        <div class="namespaces">{ for props.namespaces.iter().map(namespace) }</div>
    }
}

fn namespace(ns: &NamespaceView) -> Html {
    let nothing = ns.quotas.is_empty() && ns.limit_ranges.is_empty();
    html! {
        <section class="ns-card" aria-label={format!("Namespace {}", ns.name)}>
            <header>
                <h3><span class="muted">{ "namespace " }</span><code>{ ns.name.clone() }</code></h3>
                if ns.phase != "Active" {
                    <span class="badge gone">{ ns.phase.clone() }</span>
                }
                <span class="badge neutral">{ format!("{} pod{}", ns.pods, if ns.pods == 1 { "" } else { "s" }) }</span>
            </header>
            <div class="psa" aria-label="Pod Security">
                <span class="psa-title">{ "Pod Security" }</span>
                { for ns.pod_security.iter().map(psa_mode) }
                if ns.pod_security_exempt {
                    <span class="psa-mode exempt" title="Listed in the PodSecurity configuration's exemptions.namespaces">{ "exempt" }</span>
                }
            </div>
            { for ns.quotas.iter().map(quota) }
            { for ns.limit_ranges.iter().map(limit_range) }
            if nothing {
                <p class="muted">{ "No ResourceQuota and no LimitRange in this namespace." }</p>
            }
        </section>
    }
}

fn psa_mode(m: &PodSecurityMode) -> Html {
    let title = if m.labelled {
        format!("pod-security.kubernetes.io/{} label", m.mode)
    } else {
        "not labelled: the PodSecurity plugin's default".to_string()
    };
    html! {
        <span class={classes!("psa-mode", format!("lvl-{}", m.level), (!m.labelled).then_some("default"))} {title}>
            <span class="psa-key">{ m.mode }</span>
            <b>{ m.level.clone() }</b>
            <span class="psa-version">{ m.version.clone() }</span>
        </span>
    }
}

fn quota(q: &QuotaView) -> Html {
    let rows = q.resources.iter().map(|r| {
        let percent = (r.fraction * 100.0).round();
        html! {
            <div class={classes!("quota-row", r.level)}>
                <span class="quota-res">{ r.resource.clone() }</span>
                <span class="quota-bar" role="meter" aria-label={r.resource.clone()}
                    aria-valuemin="0" aria-valuemax="100" aria-valuenow={percent.to_string()}>
                    <span class="quota-fill" style={format!("width: {percent}%")} />
                </span>
                <span class="quota-num"><b>{ r.used.clone() }</b>{ " / " }{ r.hard.clone() }</span>
            </div>
        }
    });
    html! {
        <div class="quota">
            <h4>{ "ResourceQuota " }<code>{ q.name.clone() }</code>
                if !q.scopes.is_empty() {
                    <span class="muted">{ format!(" scopes: {}", q.scopes.join(", ")) }</span>
                }
            </h4>
            <div class="quota-rows">{ for rows }</div>
        </div>
    }
}

fn limit_range(lr: &LimitRangeView) -> Html {
    let cell = |v: &str| {
        if v == "-" {
            html! { <td class="none">{ "-" }</td> }
        } else {
            html! { <td>{ v.to_string() }</td> }
        }
    };
    let rows = lr.rows.iter().map(|r| {
        html! {
            <tr>
                <td>{ r.type_.clone() }</td>
                <th scope="row">{ r.resource.clone() }</th>
                { cell(&r.min) }{ cell(&r.max) }{ cell(&r.default_request) }{ cell(&r.default_limit) }{ cell(&r.max_limit_request_ratio) }
            </tr>
        }
    });
    html! {
        <div class="limitrange">
            <h4>{ "LimitRange " }<code>{ lr.name.clone() }</code></h4>
            <div class="table-scroll">
                <table class="why-table lr-table">
                    <thead><tr>
                        <th>{ "Type" }</th><th>{ "Resource" }</th><th>{ "Min" }</th><th>{ "Max" }</th>
                        <th>{ "Default Request" }</th><th>{ "Default Limit" }</th><th>{ "Max Limit/Request Ratio" }</th>
                    </tr></thead>
                    <tbody>{ for rows }</tbody>
                </table>
            </div>
        </div>
    }
}
