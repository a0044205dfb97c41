# Stand-in for prom/prometheus, prom/alertmanager and prom/node-exporter: the pinned versions built
# from their Go modules (or Debian's packages), with their binaries at the paths the upstream images
# use (/bin/prometheus, /bin/promtool, /bin/alertmanager, /bin/amtool, /bin/node_exporter). One image
# serves as all three. share/ holds Debian's Alertmanager templates, which upstream embeds (empty then).
ARG BASE_IMAGE=local/bookworm
FROM ${BASE_IMAGE}
COPY bin/ /bin/
COPY share/ /usr/share/prometheus/alertmanager/
RUN mkdir -p /etc/prometheus /etc/alertmanager /prometheus /alertmanager \
 && /bin/prometheus --version && /bin/alertmanager --version && /bin/node_exporter --version
