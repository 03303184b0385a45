//! What a Redis is used for, read from its clients: environment variables
//! that well-known software reads to find its queue broker or its cache, as
//! data with the evidence each rests on. A Redis whose clients say "queue"
//! must not evict (SS010) and must persist (SS011); one they call a cache
//! must be bounded (SS012).

/// A client's variable: its name (exact, or a suffix when it starts with
/// `_`), the role it gives the Redis it points at, and why.
pub struct ClientSignal {
    pub env: &'static str,
    /// Only for containers of images of this name, from any registry or
    /// rebuild (a generic name like `REDIS_URL` says what it is for only in a
    /// known app).
    pub image: Option<&'static str>,
    pub role: &'static str,
    pub evidence: &'static str,
}

pub const SIGNALS: &[ClientSignal] = &[
    // Manyfold runs its jobs on Sidekiq (config/initializers/sidekiq.rb),
    // which reads `REDIS_URL`.
    ClientSignal {
        env: "REDIS_URL",
        image: Some("manyfold"),
        role: "queue",
        evidence: "Manyfold's Sidekiq jobs",
    },
    ClientSignal {
        env: "CELERY_BROKER_URL",
        image: None,
        role: "queue",
        evidence: "Celery's broker URL",
    },
    ClientSignal {
        env: "PAPERLESS_REDIS",
        image: None,
        role: "queue",
        evidence: "Paperless-ngx's Celery broker",
    },
    ClientSignal {
        env: "SIDEKIQ_REDIS_URL",
        image: None,
        role: "queue",
        evidence: "Sidekiq's job store",
    },
    ClientSignal {
        env: "RQ_REDIS_URL",
        image: None,
        role: "queue",
        evidence: "RQ's job store",
    },
    ClientSignal {
        env: "BULL_REDIS_URL",
        image: None,
        role: "queue",
        evidence: "BullMQ's job store",
    },
    ClientSignal {
        env: "QUEUE_REDIS_URL",
        image: None,
        role: "queue",
        evidence: "a queue's Redis URL",
    },
    ClientSignal {
        env: "_BROKER_URL",
        image: None,
        role: "queue",
        evidence: "a message broker URL",
    },
    ClientSignal {
        env: "CACHE_REDIS_URL",
        image: None,
        role: "cache",
        evidence: "a cache's Redis URL",
    },
    ClientSignal {
        env: "REDIS_CACHE_URL",
        image: None,
        role: "cache",
        evidence: "a cache's Redis URL",
    },
    ClientSignal {
        env: "_CACHE_URL",
        image: None,
        role: "cache",
        evidence: "a cache URL",
    },
];

/// A chart's value that names the Redis its software uses for one purpose:
/// the chart, the path of the host in its values, the role, and why.
pub struct ValueSignal {
    pub chart: &'static str,
    pub path: &'static [&'static str],
    pub role: &'static str,
    pub evidence: &'static str,
}

/// GitLab's chart points its components at external Redis instances under
/// `global.redis` (docs.gitlab.com/charts/advanced/external-redis): the main
/// instance holds Sidekiq's queues unless `queues` is split off, and shared
/// state (sessions) must not be evicted either; only `cache` may evict.
pub const VALUE_SIGNALS: &[ValueSignal] = &[
    ValueSignal {
        chart: "gitlab",
        path: &["global", "redis", "host"],
        role: "queue",
        evidence: "GitLab's main Redis (Sidekiq's queues)",
    },
    ValueSignal {
        chart: "gitlab",
        path: &["global", "redis", "queues", "host"],
        role: "queue",
        evidence: "GitLab's Sidekiq queues",
    },
    ValueSignal {
        chart: "gitlab",
        path: &["global", "redis", "sharedState", "host"],
        role: "queue",
        evidence: "GitLab's shared state (sessions), which must not be evicted",
    },
    ValueSignal {
        chart: "gitlab",
        path: &["global", "redis", "cache", "host"],
        role: "cache",
        evidence: "GitLab's cache",
    },
];

/// The signal an environment variable of a container running `image` gives,
/// if any.
pub fn signal(env: &str, image: Option<&str>) -> Option<&'static ClientSignal> {
    SIGNALS.iter().find(|s| {
        let named = match s.env.strip_prefix('_') {
            Some(_) => env.ends_with(s.env),
            None => env == s.env,
        };
        named
            && s.image
                .is_none_or(|want| image.is_some_and(|i| image_name(i) == want))
    })
}

/// An image's name without registry, path, tag or digest:
/// `ghcr.io/bjw-s-labs/manyfold:0.81.0@sha256:…` → `manyfold`.
fn image_name(image: &str) -> &str {
    let repo = image.split('@').next().unwrap_or(image);
    let last = repo.rsplit('/').next().unwrap_or(repo);
    last.split(':').next().unwrap_or(last)
}

/// The Service name (and namespace, when the host says) a Redis URL or
/// `host:port` points at: `redis://:pw@paperless-redis.apps.svc:6379/0` →
/// (`paperless-redis`, `apps`).
pub fn host_of(value: &str) -> Option<(String, Option<String>)> {
    let rest = value.split_once("://").map_or(value, |(_, r)| r);
    let rest = rest.rsplit_once('@').map_or(rest, |(_, h)| h);
    let host = rest.split([':', '/', '?']).next()?.trim();
    if host.is_empty() || host.contains(['$', '{', ' ']) {
        return None;
    }
    let mut labels = host.split('.');
    let service = labels.next()?.to_ascii_lowercase();
    let namespace = labels.next().filter(|n| *n != "svc").map(str::to_string);
    Some((service, namespace))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_and_signals() {
        assert_eq!(
            host_of("redis://:pw@paperless-redis.apps.svc.cluster.local:6379/0"),
            Some(("paperless-redis".into(), Some("apps".into())))
        );
        assert_eq!(
            host_of("queue-redis:6379"),
            Some(("queue-redis".into(), None))
        );
        assert_eq!(host_of("redis://$(REDIS_HOST):6379"), None);
        assert_eq!(
            signal("CELERY_BROKER_URL", None).map(|s| s.role),
            Some("queue")
        );
        assert_eq!(signal("APP_CACHE_URL", None).map(|s| s.role), Some("cache"));
        assert!(signal("REDIS_URL", Some("ghcr.io/acme/app:1.0.0")).is_none());
        assert_eq!(
            signal(
                "REDIS_URL",
                Some("ghcr.io/bjw-s-labs/manyfold:0.81.0@sha256:e17f")
            )
            .map(|s| s.role),
            Some("queue")
        );
    }
}
