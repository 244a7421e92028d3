# syntax=docker/dockerfile:1
# kube-dpi agent image (`make image`): the compiled agent on Node 20, Snort 3 and libdaq from Alpine's own
# packages (never built from source here), the Snort 3 community rules in /usr/etc/snort/rules/ (the path
# Calico Enterprise's custom-rules procedure writes to), and the default config from snort-config/.
#
#   docker build -t kube-dpi:dev .
#   docker build --build-arg COMMUNITY_RULES_SHA256=<sha256> -t kube-dpi:dev .   # pin the rules tarball
#
# Alpine 3.23 packages Snort 3.9.2.0 (main: snort, daq). Node 20 has an Alpine 3.23 image, so build and
# runtime share one base and the node binary matches the musl it was built for.
ARG NODE_IMAGE=node:20-alpine3.23

# ---- build: compile TypeScript, then keep production dependencies only ------------------------------------
FROM ${NODE_IMAGE} AS build
# Build as the image's unprivileged `node` user.
RUN mkdir /src && chown node:node /src
WORKDIR /src
USER node
COPY --chown=node:node package.json package-lock.json ./
# --ignore-scripts: `prepare` would build before the sources are here; we build explicitly below.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY --chown=node:node tsconfig.json tsconfig.build.json ./
COPY --chown=node:node agent/src ./agent/src
RUN npm run build && npm prune --omit=dev --ignore-scripts --no-audit --no-fund

# ---- rules: the Snort 3 community rules, fetched at image build ---------------------------------------------
FROM alpine:3.23 AS rules
ARG COMMUNITY_RULES_URL=https://www.snort.org/downloads/community/snort3-community-rules.tar.gz
# Optional: the tarball's sha256. snort.org republishes the same URL when the rules change, so it is not
# pinned by default; set it for reproducible builds.
ARG COMMUNITY_RULES_SHA256=
RUN set -eux; \
    apk add --no-cache curl; \
    curl -fsSL --retry 3 -o /tmp/community.tar.gz "$COMMUNITY_RULES_URL"; \
    if [ -n "$COMMUNITY_RULES_SHA256" ]; then echo "$COMMUNITY_RULES_SHA256  /tmp/community.tar.gz" | sha256sum -c -; fi; \
    mkdir -p /out/rules /out/doc; \
    tar -xzf /tmp/community.tar.gz -C /tmp; \
    cp /tmp/snort3-community-rules/snort3-community.rules /out/rules/; \
    for f in LICENSE AUTHORS VRT-License.txt sid-msg.map; do \
      if [ -f "/tmp/snort3-community-rules/$f" ]; then cp "/tmp/snort3-community-rules/$f" /out/doc/; fi; \
    done; \
    test "$(grep -c '^alert' /out/rules/snort3-community.rules)" -gt 1000

# ---- runtime ------------------------------------------------------------------------------------------------
FROM ${NODE_IMAGE}
# snort, daq  Snort 3 and libdaq (afpacket DAQ) from Alpine main
# setpriv     util-linux's setpriv: the agent starts Snort as uid 65534 holding only CAP_NET_RAW (ambient)
# coreutils   stdbuf: Snort's stdout is block-buffered when not a TTY; `stdbuf -oL` makes it line-buffered
# iproute2    `ip -j route get` / `ip link` for interface resolution on non-Calico CNIs (busybox ip has no -j)
# tini        PID 1 that forwards signals and reaps orphans of the Snort children
# The checks after apk make sure each tool is the real one and not a busybox applet of the same name (the
# agent would otherwise only find out on a node), and that Snort has the afpacket DAQ the agent asks for.
RUN set -eux; \
    apk add --no-cache snort daq setpriv coreutils iproute2 tini ca-certificates; \
    snort -V; \
    snort --daq-list | grep -q afpacket; \
    setpriv --version | grep -q util-linux; \
    stdbuf --version | grep -q coreutils; \
    ip -V | grep -q iproute2; \
    ip -j link show lo >/dev/null; \
    # Where this package keeps snort_defaults.lua (its sysconfdir): a stable name for the agent's
    # --snort-config-dir, so user configs that include snort_defaults.lua by relative name resolve, even
    # when /usr/etc/snort is replaced by the custom-rules volume.
    defaults="$(apk info -qL snort | grep '/snort_defaults\.lua$' | head -n 1)"; \
    test -n "$defaults"; \
    mkdir -p /usr/share/kube-dpi; \
    ln -s "/$(dirname "$defaults")" /usr/share/kube-dpi/snort-etc; \
    test -f /usr/share/kube-dpi/snort-etc/snort_defaults.lua; \
    mkdir -p /usr/etc/snort/rules /var/lib/kube-dpi
ENV KUBE_DPI_SNORT_CONFIG_DIR=/usr/share/kube-dpi/snort-etc \
    KUBE_DPI_RULES_DIR=/usr/etc/snort/rules \
    NODE_ENV=production

COPY --from=rules /out/rules/ /usr/etc/snort/rules/
COPY --from=rules /out/doc/ /usr/share/doc/snort3-community-rules/
WORKDIR /app
COPY --from=build /src/package.json ./package.json
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY bin ./bin
COPY snort-config ./snort-config

# `snort -T` as a build step: the stock config with every community rule, the default config the agent
# starts from (snort-config/snort.lua, through --include-path as the agent passes it), and then exactly what a
# node runs: the agent's own renderer (dist/snort/render.js) writes kube-dpi.lua around snort-config/snort.lua
# with the image's rules, and its own validator runs `snort -T --warn-all` with the rendered command line
# (afpacket DAQ, ring size, snap length, -k none, alert_json fields and rotation, hyperscan when present; with
# and without the payload field). A rule or config this Snort cannot load fails the build here, not on a node.
RUN set -eux; \
    snort -T -q -c /usr/share/kube-dpi/snort-etc/snort.lua -R /usr/etc/snort/rules/snort3-community.rules; \
    snort -T -q -c /app/snort-config/snort.lua --include-path /usr/share/kube-dpi/snort-etc \
      -R /usr/etc/snort/rules/snort3-community.rules; \
    node /app/bin/kube-dpi.js --help >/dev/null
RUN node --input-type=module <<'JS'
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderSnortConfig } from '/app/dist/snort/render.js';
import { probeSnort } from '/app/dist/snort/snort-probe.js';
import { validateSnortConfig } from '/app/dist/snort/validate.js';

const root = '/tmp/kube-dpi-check';
const dir = join(root, 'snort', 'snort-000000000000');
mkdirSync(dir, { recursive: true });
const probe = await probeSnort('snort');
for (const alertPayload of [false, true]) {
  const rendered = renderSnortConfig({
    processId: 'snort-000000000000',
    interfaces: ['lo'],
    processDir: dir,
    userConfig: { path: '/app/snort-config/snort.lua', sha256: 'build-check' },
    includePath: process.env.KUBE_DPI_SNORT_CONFIG_DIR,
    rules: [{ path: '/usr/etc/snort/rules/snort3-community.rules', sha256: 'build-check' }],
    bufferSizeMb: 8,
    alertPayload,
    alertFileLimitMb: 16,
    hyperscan: probe.hyperscan,
  });
  for (const [name, text] of Object.entries(rendered.files)) writeFileSync(join(dir, name), text);
  const result = await validateSnortConfig(probe.path, rendered.args);
  console.log(`snort ${probe.version} (hyperscan: ${probe.hyperscan}) -T ${rendered.args.join(' ')}: ${result.ok ? 'accepted' : 'REJECTED'}`);
  for (const line of [...result.errors, ...result.warnings]) console.log(`  ${line}`);
  if (!result.ok) process.exit(1);
}
rmSync(root, { recursive: true, force: true });
JS

# The agent is uid 0 with only NET_RAW, SETUID, SETGID and DAC_READ_SEARCH (the chart drops everything else
# and forbids privilege escalation); Snort itself runs as 65534 with NET_RAW alone. Why each one:
# charts/kube-dpi/values.yaml, securityContext.
USER 0:0
EXPOSE 9090
ENTRYPOINT ["/sbin/tini", "--", "node", "/app/bin/kube-dpi.js"]
CMD ["agent"]
