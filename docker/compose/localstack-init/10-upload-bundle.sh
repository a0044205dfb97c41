#!/bin/bash
# LocalStack "ready" hook: put the demo config bundle (docker/compose/bundle) into S3.
set -euo pipefail
awslocal s3api head-bucket --bucket "$DEMO_BUCKET" 2>/dev/null || awslocal s3 mb "s3://$DEMO_BUCKET"
awslocal s3 sync /demo-bundle "s3://$DEMO_BUCKET/$DEMO_PREFIX" --delete
echo "ecs-appliance demo: config bundle uploaded to s3://$DEMO_BUCKET/$DEMO_PREFIX"
