#!/bin/bash
# LocalStack "ready" hook, Pro switch only (DEMO_ECS=1, see docker/compose/localstack-pro.yml):
# a `demo` cluster with one task opted in by docker labels and one by environment variables.
set -euo pipefail
[ "${DEMO_ECS:-}" = 1 ] || exit 0
awslocal ecs create-cluster --cluster-name demo >/dev/null
awslocal ecs register-task-definition --cli-input-json '{
  "family": "demo-labels", "networkMode": "host", "requiresCompatibilities": ["EC2"],
  "containerDefinitions": [{ "name": "node-exporter", "image": "prom/node-exporter:v1.12.1", "memory": 128, "essential": true,
    "command": ["--web.listen-address=:19100"],
    "portMappings": [{ "containerPort": 19100, "hostPort": 19100 }],
    "dockerLabels": { "PROMETHEUS_EXPORTER_PORT": "19100", "PROMETHEUS_EXPORTER_JOB_NAME": "demo-labels" } }]
}' >/dev/null
awslocal ecs register-task-definition --cli-input-json '{
  "family": "demo-env", "networkMode": "host", "requiresCompatibilities": ["EC2"],
  "containerDefinitions": [{ "name": "node-exporter", "image": "prom/node-exporter:v1.12.1", "memory": 128, "essential": true,
    "command": ["--web.listen-address=:19101"],
    "portMappings": [{ "containerPort": 19101, "hostPort": 19101 }],
    "environment": [{ "name": "PROMETHEUS", "value": "true" }, { "name": "PROMETHEUS_PORT", "value": "19101" }] }]
}' >/dev/null
awslocal ecs run-task --cluster demo --task-definition demo-labels >/dev/null
awslocal ecs run-task --cluster demo --task-definition demo-env >/dev/null
echo "ecs-appliance demo: LocalStack ECS cluster 'demo' runs demo-labels and demo-env"
