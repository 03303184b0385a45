#!/usr/bin/env python3
"""Writes a synthetic GitOps repository of N manifest files for the benchmarks.

Deterministic (same N, same bytes): apps in namespaces, each a folder with a
Deployment and its Service, a ConfigMap and an ExternalSecret, a kustomization,
and a Redis StatefulSet or an app-template HelmRelease, so per-object and
cross-object rules both have work. Each file starts with the header comment
real repositories carry; about 1.6 KB per file on average.

usage: scripts/gen-corpus.py N OUT_DIR
"""

import os
import sys

DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: {app}
  namespace: {ns}
  labels: {{ app.kubernetes.io/name: {app}, app.kubernetes.io/part-of: shop }}
  annotations: {{ reloader.stakater.com/auto: "true" }}
spec:
  replicas: 2
  selector: {{ matchLabels: {{ app.kubernetes.io/name: {app} }} }}
  template:
    metadata:
      labels: {{ app.kubernetes.io/name: {app}, app.kubernetes.io/part-of: shop }}
    spec:
      securityContext: {{ runAsNonRoot: true, runAsUser: 10001 }}
      containers:
        - name: {app}
          image: ghcr.io/acme/{app}:1.{i}.0
          ports: [{{ name: http, containerPort: 8080 }}]
          env:
            - {{ name: LOG_LEVEL, value: info }}
            - {{ name: REDIS_HOST, value: {app}-redis.{ns}.svc.cluster.local }}
            - {{ name: REDIS_TLS_ENABLED, value: "true" }}
            - name: DB_PASSWORD
              valueFrom: {{ secretKeyRef: {{ name: {app}-secrets, key: DB_PASSWORD }} }}
          envFrom: [{{ configMapRef: {{ name: {app}-config }} }}]
          readinessProbe: {{ httpGet: {{ path: /readyz, port: http }}, periodSeconds: 5 }}
          livenessProbe: {{ httpGet: {{ path: /livez, port: http }}, periodSeconds: 10 }}
          resources:
            requests: {{ cpu: 100m, memory: 128Mi }}
            limits: {{ memory: 256Mi }}
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities: {{ drop: [ALL] }}
"""

SERVICE = """apiVersion: v1
kind: Service
metadata:
  name: {app}
  namespace: {ns}
  labels: {{ app.kubernetes.io/name: {app} }}
spec:
  selector: {{ app.kubernetes.io/name: {app} }}
  ports:
    - {{ name: http, port: 80, targetPort: http }}
"""

EXTERNAL_SECRET = """apiVersion: external-secrets.io/v1
kind: ExternalSecret
metadata:
  name: {app}-secrets
  namespace: {ns}
spec:
  refreshInterval: 1h
  secretStoreRef: {{ kind: ClusterSecretStore, name: doppler }}
  target: {{ name: {app}-secrets, creationPolicy: Owner }}
  dataFrom:
    - extract: {{ key: {app} }}
"""

CONFIG_MAP = """apiVersion: v1
kind: ConfigMap
metadata:
  name: {app}-config
  namespace: {ns}
data:
  FEATURE_FLAGS: "search,checkout,recommendations"
  UPSTREAM_URL: "http://{app}.{ns}.svc.cluster.local"
  application.properties: |
    server.port=8080
    management.endpoints.web.exposure.include=health,info
    spring.jpa.open-in-view=false
"""

KUSTOMIZATION = """apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: {ns}
resources:
  - deployment.yaml
  - config.yaml
images:
  - name: ghcr.io/acme/{app}
    newTag: 1.{i}.1
"""

REDIS = """apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: {app}-redis
  namespace: {ns}
  labels: {{ shipshape.dev/redis-role: cache }}
  annotations: {{ argocd.argoproj.io/sync-options: "Prune=false,Delete=false" }}
spec:
  replicas: 2
  serviceName: {app}-redis
  selector: {{ matchLabels: {{ app: {app}-redis }} }}
  template:
    metadata: {{ labels: {{ app: {app}-redis }} }}
    spec:
      containers:
        - name: redis
          image: redis:7.4.1
          args: ["--maxmemory", "200mb", "--maxmemory-policy", "allkeys-lru", "--tls-port", "6379"]
          readinessProbe: {{ exec: {{ command: [redis-cli, ping] }} }}
          livenessProbe: {{ tcpSocket: {{ port: 6379 }} }}
          resources: {{ requests: {{ cpu: 50m, memory: 128Mi }}, limits: {{ memory: 256Mi }} }}
"""

HELM_RELEASE = """apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: {app}-worker
  namespace: {ns}
spec:
  interval: 30m
  chart: {{ spec: {{ chart: app-template, version: 4.2.0, sourceRef: {{ kind: HelmRepository, name: bjw-s }} }} }}
  values:
    controllers:
      worker:
        replicas: 2
        containers:
          app:
            image: {{ repository: ghcr.io/acme/{app}-worker, tag: 2.{i}.0 }}
            env:
              QUEUE: default
              CONCURRENCY: "8"
            resources: {{ requests: {{ cpu: 10m, memory: 64Mi }}, limits: {{ memory: 128Mi }} }}
"""

HEADER = """# yaml-language-server: $schema=https://kubernetes-schemas.example.com/{kind}.json
# Owned by team {ns}; changes go through a pull request and the shipshape gate.
# Runbook: https://runbooks.example.com/{ns}/{app} (alerts, dashboards, on-call).
---
"""

KINDS = [
    ("deployment.yaml", DEPLOYMENT + "---\n" + SERVICE),
    ("config.yaml", CONFIG_MAP + "---\n" + EXTERNAL_SECRET),
    ("kustomization.yaml", KUSTOMIZATION),
]


def main() -> None:
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    n, out = int(sys.argv[1]), sys.argv[2]
    written = 0
    i = 0
    while written < n:
        ns = f"team-{i // 20:04d}"
        app = f"svc-{i:05d}"
        folder = os.path.join(out, "apps", ns, app)
        os.makedirs(folder, exist_ok=True)
        files = list(KINDS)
        if i % 2 == 0:
            files.append(("redis.yaml", REDIS))
        else:
            files.append(("helmrelease.yaml", HELM_RELEASE))
        for name, template in files:
            if written == n:
                break
            with open(os.path.join(folder, name), "w", encoding="utf-8") as f:
                kind = name.split(".")[0]
                f.write(HEADER.format(kind=kind, ns=ns, app=app))
                f.write(template.format(app=app, ns=ns, i=i % 97))
            written += 1
        i += 1


if __name__ == "__main__":
    main()
