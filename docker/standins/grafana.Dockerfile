# Stand-in for grafana/grafana: the upstream layout under /usr/share/grafana (bin/grafana,
# conf/defaults.ini, public/) with a small Node program in place of the Grafana server.
ARG BASE_IMAGE=local/bookworm
FROM ${BASE_IMAGE}
COPY grafana/ /usr/share/grafana/
RUN chmod 0755 /usr/share/grafana/bin/grafana
