#![allow(clippy::expect_used, clippy::unwrap_used)]
//! ValidatingAdmissionPolicies among the linted files, evaluated offline: the
//! Kubernetes documentation's examples find what they refuse, at the field
//! the expression names, with the binding's action as severity; compliant
//! objects and namespaces the binding does not select draw nothing; a policy
//! that asks the authorizer is said to be not evaluated.

mod common;
use common::*;

#[test]
fn the_documentation_examples_run_unchanged() {
    let out = run(&["lint", "fixtures/admission", "--format", "json"], &repo());
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let j = json(&out);
    let found: Vec<(String, String, String, u64)> = j["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| {
            let r = d["rule"].as_str().unwrap_or("");
            r.starts_with("vap/") || r == "SS905"
        })
        .map(|d| {
            (
                d["rule"].as_str().unwrap().to_string(),
                d["severity"].as_str().unwrap().to_string(),
                d["file"].as_str().unwrap().to_string(),
                d["line"].as_u64().unwrap(),
            )
        })
        .collect();
    let want = |r: &str, s: &str, f: &str, l: u64| (r.to_string(), s.to_string(), f.to_string(), l);
    assert_eq!(
        found,
        [
            want("SS905", "warning", "fixtures/admission/policies.yaml", 103),
            want(
                "vap/image-matches-namespace-environment.policy.example.com",
                "error",
                "fixtures/admission/violating.yaml",
                7
            ),
            want(
                "vap/required-labels.example.com",
                "warning",
                "fixtures/admission/violating.yaml",
                7
            ),
            // At `replicas: 5`, the field the expression names.
            want(
                "vap/replicalimit-policy.example.com",
                "error",
                "fixtures/admission/violating.yaml",
                10
            ),
        ]
    );
    let messages: Vec<&str> = j["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["rule"].as_str().unwrap_or("").starts_with("vap/"))
        .filter_map(|d| d["message"].as_str())
        .collect();
    assert!(
        messages
            .iter()
            .any(|m| m.ends_with("object.spec.replicas must be no greater than 3")),
        "the messageExpression is evaluated: {messages:?}"
    );
    assert!(
        messages
            .iter()
            .all(|m| m.starts_with("Deployment too-many:")),
        "{messages:?}"
    );
}

/// A binding whose param is not in the set denies (its default action), and
/// with `parameterNotFoundAction: Allow` lets the object through.
#[test]
fn a_missing_param_denies_unless_the_binding_allows() {
    let policy = std::fs::read_to_string(repo().join("fixtures/admission/policies.yaml")).unwrap();
    let without_param = policy.replace(
        "kind: ReplicaLimit\nmetadata:",
        "kind: OtherLimit\nmetadata:",
    );
    let deployment =
        std::fs::read_to_string(repo().join("fixtures/admission/violating.yaml")).unwrap();
    for (action, denied) in [("Deny", true), ("Allow", false)] {
        let tmp = project(&[
            (
                "p.yaml",
                &without_param.replace(
                    "parameterNotFoundAction: Deny",
                    &format!("parameterNotFoundAction: {action}"),
                ),
            ),
            ("d.yaml", &deployment),
        ]);
        let out = run(&["lint", ".", "--format", "json"], tmp.path());
        let j = json(&out);
        let hit = j["diagnostics"].as_array().unwrap().iter().any(|d| {
            d["rule"] == "vap/replicalimit-policy.example.com"
                && d["message"]
                    .as_str()
                    .unwrap_or("")
                    .contains("no ReplicaLimit param")
        });
        assert_eq!(hit, denied, "{action}: {j}");
    }
}

/// A policy whose expression would run for hours is stopped by the budget
/// every evaluation has, and the stop is a report in the format asked for.
#[test]
fn a_runaway_policy_is_stopped_and_reported() {
    let mut items = String::new();
    for i in 0..3000 {
        items.push_str(&format!("  - {i}\n"));
    }
    let policy = "apiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicy\nmetadata: { name: slow }\nspec:\n  matchConstraints:\n    resourceRules:\n    - { apiGroups: [\"\"], apiVersions: [\"v1\"], operations: [CREATE], resources: [configmaps] }\n  validations:\n  - expression: \"object.items.all(a, object.items.all(b, object.items.all(c, a + b + c >= 0)))\"\n---\napiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicyBinding\nmetadata: { name: slow }\nspec: { policyName: slow, validationActions: [Deny] }\n";
    let tmp = project(&[
        ("p.yaml", policy),
        (
            "cm.yaml",
            &format!("apiVersion: v1\nkind: ConfigMap\nmetadata: {{ name: c }}\nitems:\n{items}"),
        ),
    ]);
    let out = run(&["lint", ".", "--format", "sarif"], tmp.path());
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let sarif: serde_json::Value = serde_json::from_slice(&out.stdout).expect("sarif");
    let r = &sarif["runs"][0]["results"][0];
    assert_eq!(r["ruleId"], "policy::cel-budget", "{sarif}");
    assert!(
        r["message"]["text"]
            .as_str()
            .unwrap_or("")
            .contains("ValidatingAdmissionPolicy slow"),
        "{sarif}"
    );
}

/// A binding that selects namespaces by label cannot be applied to objects
/// whose Namespace is not among the linted files: said once, by name.
#[test]
fn a_namespace_the_set_does_not_hold_is_said_not_passed() {
    let policy = std::fs::read_to_string(repo().join("fixtures/admission/policies.yaml")).unwrap();
    let deployment = std::fs::read_to_string(repo().join("fixtures/admission/violating.yaml"))
        .unwrap()
        .replace("namespace: test-ns", "namespace: elsewhere");
    let tmp = project(&[("p.yaml", &policy), ("d.yaml", &deployment)]);
    let j = json(&run(&["lint", ".", "--format", "json"], tmp.path()));
    let said: Vec<&str> = j["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["rule"] == "SS905")
        .filter_map(|d| d["message"].as_str())
        .collect();
    assert!(
        said.iter()
            .any(|m| m.contains("replicalimit-policy.example.com") && m.contains("elsewhere")),
        "{said:?}"
    );
}
