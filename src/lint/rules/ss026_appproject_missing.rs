use super::super::object::k;
use super::super::later::Verdict;
use super::super::{Context, Finding, Obj, Rule, Seg};
use crate::yaml::Node;

declare_rule! {
    /// ## What it flags
    /// An Argo CD Application (or an ApplicationSet's template) naming an
    /// AppProject that is not in the set, in a repository that manages its
    /// AppProjects (the set holds at least one). `default` always exists.
    ///
    /// ## Why it matters
    /// Argo CD refuses to sync the Application: "AppProject not found".
    ///
    /// ## Example (bad)
    /// ```yaml
    /// spec: { project: platform }   # but the repo's AppProjects are platform-dev and platform-prd
    /// ```
    ///
    /// ## Use instead
    /// Name an AppProject the repository renders, or add it.
    ///
    /// ## References
    /// - https://argo-cd.readthedocs.io/en/stable/user-guide/projects/
    pub struct AppprojectMissing {
        id: "SS026",
        name: "appproject-missing",
        severity: Error,
        summary: "Application names an AppProject the set does not have",
        help: "Name an AppProject the repository renders, or add that AppProject.",
    }
}

impl Rule for AppprojectMissing {
    fn check(&self, obj: &Obj, _cx: &Context, out: &mut Vec<Finding>) {
        if !obj.api_version.starts_with("argoproj.io/") {
            return;
        }
        // An ApplicationSet's template is linted as the Application it stamps out.
        if obj.kind != "Application" {
            return;
        }
        // The object's own field first: only a project that could be missing
        // asks the set (asking defers the object and keeps its tree).
        let Some(project) = obj.get("spec.project").and_then(Node::as_str) else {
            return;
        };
        if project == "default" || project.contains("{{") {
            return;
        }
        let path: Vec<Seg> = vec![k("spec"), k("project")];
        let project = project.to_string();
        let display = obj.display();
        out.push(Finding::later(&META, obj, vec![path], move |set| {
            let projects = &set.cluster.app_projects;
            if projects.is_empty() || projects.contains(&project) {
                return Vec::new();
            }
            let known: Vec<&str> = projects.iter().map(String::as_str).collect();
            let hint = crate::problem::did_you_mean(&project, known.iter().copied())
                .map_or_else(
                    || format!("AppProjects here: {}", known.join(", ")),
                    |m| format!("did you mean `{m}`?"),
                );
            vec![Verdict::at(
                0,
                format!("{display} uses AppProject `{project}`, which the set does not have"),
            )
            .help(hint)]
        }));
    }
}
