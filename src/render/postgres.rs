//! PostgreSQL on CloudNativePG: a `Cluster` without superuser access, the app
//! owner's credentials from an ExternalSecret (basic-auth), and, when declared,
//! backups through the Barman Cloud plugin (`ObjectStore` + `ScheduledBackup`).

use serde_json::{json, Value as J};

use super::meta::{labels, object, protect_stateful, with_spec};
use super::secrets::external_secret;
use super::{wave, Component, Object, Source};
use crate::model::{Env, Model, Postgres};

pub const CNPG_API: &str = "postgresql.cnpg.io/v1";
pub const BARMAN_API: &str = "barmancloud.cnpg.io/v1";
const BARMAN_PLUGIN: &str = "barman-cloud.cloudnative-pg.io";

/// The read-write Service CloudNativePG creates for the primary.
pub fn host(p: &Postgres, namespace: &str) -> String {
    format!("{}-rw.{namespace}.svc.cluster.local", p.cluster_name())
}

pub fn component(model: &Model, env: &Env, p: &Postgres) -> Component {
    let comp = p.component();
    let cluster = p.cluster_name();
    let mut objects = vec![Object::new(
        external_secret(
            model,
            env,
            &comp,
            &p.secret_name(),
            &[("password", &p.password_key)],
            Some(json!({
                "type": "kubernetes.io/basic-auth",
                "data": { "username": p.owner, "password": "{{ .password }}" },
            })),
        ),
        p.span,
    )];
    let mut storage = json!({ "size": p.storage.as_str() });
    if let Some(sc) = &p.storage_class {
        storage["storageClass"] = J::from(sc.as_str());
    }
    let mut spec = json!({
        "instances": p.instances,
        "imageName": format!("ghcr.io/cloudnative-pg/postgresql:{}", p.version),
        "enableSuperuserAccess": false,
        "storage": storage,
        "bootstrap": { "initdb": { "database": p.database, "owner": p.owner, "secret": { "name": p.secret_name() } } },
        "resources": { "requests": { "cpu": "100m", "memory": "256Mi" }, "limits": { "memory": "1Gi" } },
    });
    if let Some(b) = &p.backup {
        let store = format!("{cluster}-backup");
        let creds = format!("{cluster}-backup-credentials");
        spec["plugins"] = json!([{ "name": BARMAN_PLUGIN, "isWALArchiver": true, "parameters": { "barmanObjectName": store } }]);
        objects.push(Object::new(
            external_secret(
                model,
                env,
                &comp,
                &creds,
                &[
                    ("ACCESS_KEY_ID", &b.access_key_id_key),
                    ("ACCESS_SECRET_KEY", &b.secret_access_key_key),
                ],
                None,
            ),
            b.span,
        ));
        let mut configuration = json!({
            "destinationPath": b.destination,
            "s3Credentials": {
                "accessKeyId": { "name": creds, "key": "ACCESS_KEY_ID" },
                "secretAccessKey": { "name": creds, "key": "ACCESS_SECRET_KEY" },
            },
            "wal": { "compression": "gzip" },
            "data": { "compression": "gzip" },
        });
        if let Some(e) = &b.endpoint_url {
            configuration["endpointURL"] = J::from(e.as_str());
        }
        objects.push(Object::new(
            with_spec(
                object(BARMAN_API, "ObjectStore", &store, labels(model, &comp)),
                json!({ "configuration": configuration, "retentionPolicy": b.retention }),
            ),
            b.span,
        ));
        objects.push(Object::new(
            with_spec(
                object(
                    CNPG_API,
                    "ScheduledBackup",
                    &format!("{cluster}-daily"),
                    labels(model, &comp),
                ),
                json!({
                    "schedule": b.schedule,
                    "cluster": { "name": cluster },
                    "method": "plugin",
                    "pluginConfiguration": { "name": BARMAN_PLUGIN },
                    "backupOwnerReference": "self",
                    // A first backup at once, not a day after the cluster exists.
                    "immediate": true,
                }),
            ),
            b.span,
        ));
    }
    let mut cluster_obj = with_spec(
        object(CNPG_API, "Cluster", &cluster, labels(model, &comp)),
        spec,
    );
    protect_stateful(&mut cluster_obj);
    objects.push(Object::new(cluster_obj, p.span).field("spec.instances", p.instances_span));
    Component {
        name: comp,
        wave: wave::DATA,
        namespace: Some(env.namespace.clone()),
        source: Source::Manifests,
        objects,
        origin: p.span,
        server_side: false,
        own_namespaces: false,
    }
}
