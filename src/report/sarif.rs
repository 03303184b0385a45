//! SARIF 2.1.0, as GitHub code scanning reads it: the rules array comes from the
//! registry, every result has a region with line and column. Serialized from
//! borrowed views of the report straight into the writer: no value tree, no
//! copy of a finding.

use std::io::Write;

use serde::ser::{SerializeSeq, Serializer};
use serde::Serialize;

use crate::diag::{Diagnostic, Location, Report, Severity};
use crate::lint::registry::doc_text;
use crate::lint::RuleMeta;

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run<'a>; 1],
}

#[derive(Serialize)]
struct Run<'a> {
    tool: Tool<'a>,
    results: Results<'a>,
}

#[derive(Serialize)]
struct Tool<'a> {
    driver: Driver<'a>,
}

#[derive(Serialize)]
struct Driver<'a> {
    name: &'static str,
    version: &'static str,
    rules: Vec<RuleDescriptor<'a>>,
}

#[derive(Serialize)]
struct Text<'a> {
    text: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RuleDescriptor<'a> {
    id: &'a str,
    name: &'a str,
    short_description: Text<'a>,
    full_description: Text<'a>,
    help: Help<'a>,
    default_configuration: Level,
}

#[derive(Serialize)]
struct Help<'a> {
    text: &'a str,
    markdown: String,
}

#[derive(Serialize)]
struct Level {
    level: &'static str,
}

/// The results, serialized one at a time from the diagnostics.
struct Results<'a> {
    diagnostics: &'a [Diagnostic],
    rules: &'a [&'static RuleMeta],
}

impl Serialize for Results<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.diagnostics.len()))?;
        for d in self.diagnostics {
            seq.serialize_element(&SarifResult::of(d, self.rules))?;
        }
        seq.end()
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: &'a str,
    level: &'static str,
    message: Message,
    locations: [PlaceAt<'a>; 1],
    #[serde(skip_serializing_if = "Option::is_none")]
    properties: Option<Envs<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    rule_index: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    related_locations: Option<[Related<'a>; 1]>,
}

impl<'a> SarifResult<'a> {
    fn of(d: &'a Diagnostic, rules: &[&'static RuleMeta]) -> Self {
        SarifResult {
            rule_id: &d.rule,
            level: level(d.severity),
            message: Message {
                text: format!("{}\nhelp: {}", d.message, d.help),
            },
            locations: [PlaceAt {
                physical_location: Physical {
                    artifact_location: Artifact {
                        uri: &d.location.file,
                    },
                    region: Region::of(&d.location),
                },
            }],
            properties: (!d.envs.is_empty()).then_some(Envs { envs: &d.envs }),
            rule_index: rules.iter().position(|m| m.id == d.rule),
            related_locations: d.rendered.as_ref().map(|x| {
                [Related {
                    id: 1,
                    message: Text {
                        text: "rendered here",
                    },
                    physical_location: PhysicalStart {
                        artifact_location: Artifact { uri: &x.file },
                        region: Start {
                            start_line: x.line,
                            start_column: x.column,
                        },
                    },
                }]
            }),
        }
    }
}

#[derive(Serialize)]
struct Message {
    text: String,
}

#[derive(Serialize)]
struct Envs<'a> {
    envs: &'a [String],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PlaceAt<'a> {
    physical_location: Physical<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Physical<'a> {
    artifact_location: Artifact<'a>,
    region: Region,
}

#[derive(Serialize)]
struct Artifact<'a> {
    uri: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: u32,
    start_column: u32,
    end_line: u32,
    end_column: u32,
}

impl Region {
    fn of(l: &Location) -> Self {
        Region {
            start_line: l.line,
            start_column: l.column,
            end_line: l.end_line,
            end_column: l.end_column,
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Related<'a> {
    id: u32,
    message: Text<'static>,
    physical_location: PhysicalStart<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalStart<'a> {
    artifact_location: Artifact<'a>,
    region: Start,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Start {
    start_line: u32,
    start_column: u32,
}

pub fn write(
    report: &Report,
    rules: &[&'static RuleMeta],
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let log = Log {
        schema: "https://json.schemastore.org/sarif-2.1.0.json",
        version: "2.1.0",
        runs: [Run {
            tool: Tool {
                driver: Driver {
                    name: "shipshape",
                    version: env!("CARGO_PKG_VERSION"),
                    rules: rules
                        .iter()
                        .map(|m| RuleDescriptor {
                            id: m.id,
                            name: m.name,
                            short_description: Text { text: m.summary },
                            full_description: Text { text: m.summary },
                            help: Help {
                                text: m.help,
                                markdown: doc_text(m),
                            },
                            default_configuration: Level {
                                level: level(m.severity),
                            },
                        })
                        .collect(),
                },
            },
            results: Results {
                diagnostics: &report.diagnostics,
                rules,
            },
        }],
    };
    serde_json::to_writer_pretty(&mut *out, &log).map_err(std::io::Error::from)?;
    out.write_all(b"\n")
}
