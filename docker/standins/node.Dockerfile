# Stand-in for node:22-bookworm-slim, built without a registry: Debian bookworm plus the official
# Node binary and npm, laid out where the upstream image has them (/usr/local/bin/node, npm, npx,
# and a `node` user with uid 1000).
ARG BASE_IMAGE=local/bookworm
FROM ${BASE_IMAGE}
COPY rootfs/ /
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \
 && groupadd --gid 1000 node \
 && useradd --uid 1000 --gid node --shell /bin/bash --create-home node \
 && node --version && npm --version
CMD ["node"]
