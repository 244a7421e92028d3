#!/usr/bin/env node
// TEST DOUBLE of the Snort 3 binary (NOT Snort). Used by the kube-dpi tests where no real Snort 3 is
// installed; the product never knows it exists (it is only ever passed as --snort / SNORT_BIN by tests).
//
// It follows the behaviour measured on Snort 3.11.1.0 in shared/reference/snort3/FACTS.md (§ numbers below)
// and the exact messages of validation-errors.txt. What it does:
//
//   -V / --version        banner with "Version 3.11.1.0", "Using DAQ version 3.0.25", Hyperscan line (§1).
//   --help-config alert_json   the alert_json options, with the default and selectable fields (§3).
//   -T [--warn-all]       validates the -c file, its Lua includes and its rules (§6):
//       * a -c / included Lua file that does not exist            → ERROR ... exit 1
//         (relative includes resolve through --include-path, then the including file's folder)
//       * unbalanced { } in a Lua file (outside comments/strings)  → ERROR ... '}' expected near '<eof>', exit 1
//       * alert_json.fields naming a field Snort does not have     → ERROR ... invalid alert_json.fields = '...'
//       * a rules file (ips.rules `include <file>`, -R) missing    → ERROR ... unable to open rules file ...
//       * a rule line containing the keyword `nosuchoption`        → ERROR <file>:<line> unknown rule keyword: nosuchoption.
//       * a rule line not starting with a rule action              → ERROR <file>:<line> syntax error
//       * a top-level `name = {` table that is no Snort module (outside the include path, not default_*)
//         → with --warn-all only: WARNING <file>: unknown table <name>, still exit 0
//     then "FATAL: see prior N errors (W warnings)" + exit 1, or
//     "Snort successfully validated the configuration (with W warnings)." + exit 0.
//   live (no -T)          the same validation (exit 1 on errors), then per -i (at most -z threads; extra -i are
//       silently ignored, §4): an interface missing from /sys/class/net, a name over 15 characters, or no
//       CAP_NET_RAW → "Couldn't construct a DAQ instance (<iface>): ..." on stderr and the WHOLE process exits 0
//       after "Commencing packet processing" (§4, §5). A missing -l folder → FATAL OpenAlertFile, exit 134.
//       Otherwise "++ [N] <iface>" per thread, and each thread CAPTURES REAL TRAFFIC on its interface:
//       `tcpdump -l -n -x -s 0 -i <iface>` when tcpdump exists, else a python3 AF_PACKET socket. It decodes
//       IPv4 ICMP/TCP and writes alert_json lines (fields and order from alert_json.fields, formats of
//       alert_json.sample.txt, omitted when they do not apply) for these community rules, when the loaded
//       rules contain their sid (msg, rev and classtype are taken from the loaded rule text):
//         1:366 PROTOCOL-ICMP PING Unix (echo request with the Unix ping payload 10 11 .. 1F in 32 bytes),
//         1:29456 PROTOCOL-ICMP Unusual PING detected (echo request), 1:408 PROTOCOL-ICMP Echo Reply,
//         1:1122 SERVER-WEBAPP /etc/passwd file access attempt (HTTP request whose URI has /etc/passwd).
//       Files: <-l>/<N>_alert_json.txt (--id-zero or -z > 1; else alert_json.txt), append, mode 0600,
//       renamed to .<epoch> when alert_json.limit MB is reached, at most once per second (§7).
//       When an interface disappears: "Error receiving message from the DAQ instance (<iface>): ..." on
//       stderr and "-- [N] <iface>" on stdout; the process lives on while another thread lives, and exits 0
//       about 1 s after the last one died (§4).
//   signals (§5)          SIGHUP: "** caught reload-config signal", "Reload started. [signal]", re-validation →
//       "== reload complete" or the ERROR lines + "Reload failed! bad config [signal]" +
//       "== reload failed - bad config" (old config stays); a HUP during a reload → "== reload pending; retry".
//       The interface set never changes by reload. SIGTERM/SIGINT/SIGQUIT: stats, exit 0. SIGUSR1: stats
//       (daq received / analyzed / dropped).
//   stdout                block-buffered unless stdbuf -oL (env _STDBUF_O=L) or a TTY, like Snort (§5);
//       stderr is unbuffered.
//
// Knobs (tests only): KUBE_DPI_SNORT_DOUBLE_RELOAD_MS (default 300): how long a reload takes.
import { spawn, execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync, renameSync, statSync, openSync, closeSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { cpus } from 'node:os';

const VERSION = '3.11.1.0';
const DEFAULT_FIELDS = 'timestamp pkt_num proto pkt_gen pkt_len dir src_ap dst_ap rule action';
const ALL_FIELDS = new Set(('action app_id class b64_data client_bytes client_pkts dir dst_addr dst_ap dst_port eth_dst eth_len ' +
  'eth_src eth_type flowstart_time geneve_vni gid icmp_code icmp_id icmp_seq icmp_type iface ip_id ip_len msg mpls pkt_gen ' +
  'pkt_len pkt_num priority proto rev rule seconds server_bytes server_pkts service sgt sid src_addr src_ap src_port target ' +
  'tcp_ack tcp_flags tcp_len tcp_seq tcp_win timestamp tos ttl udp_len vlan').split(' '));
const MODULES = new Set(('ac_bnfa active alert_csv alert_fast alert_full alert_json alert_sfsocket alert_syslog alerts appid ' +
  'arp_spoof attribute_table back_orifice binder cip classifications daq dce_http_proxy dce_http_server dce_smb dce_tcp dce_udp ' +
  'decode detection dnp3 dns dpx event_filter event_queue file_id file_log file_policy ftp_client ftp_data ftp_server gtp_inspect ' +
  'high_availability host_cache host_tracker hosts http2_inspect http_inspect iec104 imap inline ips js_norm latency log_codecs ' +
  'log_hext log_pcap memory mms modbus netflow network normalizer output packet_capture packet_tracer perf_monitor pop port_scan ' +
  'process profiler rate_filter references reputation rna rpc_decode s7commplus search_engine side_channel sip smtp snort ' +
  'so_proxy ssh ssl stream stream_file stream_icmp stream_ip stream_tcp stream_udp stream_user suppress telnet trace unified2 wizard').split(' '));
const RULE_ACTIONS = /^(alert|log|pass|drop|reject|sdrop|block|rewrite|react|file_id)\s/;
const CLASSTYPES = {
  'misc-activity': ['Misc activity', 3],
  'attempted-recon': ['Attempted Information Leak', 2],
  'successful-recon-limited': ['Information Leak', 2],
  'attempted-admin': ['Attempted Administrator Privilege Gain', 1],
  'web-application-attack': ['Web Application Attack', 1],
  'trojan-activity': ['A Network Trojan was detected', 1],
};

// ---------------------------------------------------------------- arguments
const opts = { interfaces: [], daqVars: [], rulesFiles: [], test: false, warnAll: false, idZero: false, threads: 1, yearInTs: false };
function parseArgs(argv) {
  const withValue = new Set(['-c', '--include-path', '--daq', '--daq-mode', '--daq-var', '-s', '-k', '-i', '-z', '-l', '-R', '--lua', '--help-config', '--daq-dir']);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (withValue.has(a)) {
      const v = argv[++i];
      if (v === undefined) fatalUsage(`ERROR: ${a} requires an argument`);
      switch (a) {
        case '-c': opts.config = v; break;
        case '--include-path': opts.includePath = v; break;
        case '-i': opts.interfaces.push(v); break;
        case '-z': opts.threads = Number(v) === 0 ? cpus().length : Number(v); break;
        case '-l': opts.logDir = v; break;
        case '-R': opts.rulesFiles.push(v); break;
        case '--daq-var': opts.daqVars.push(v); break;
        case '--help-config': opts.helpConfig = v; break;
        default: opts[a] = v;
      }
    } else if (a === '-T') opts.test = true;
    else if (a === '--warn-all') opts.warnAll = true;
    else if (a === '--id-zero') opts.idZero = true;
    else if (a === '-V' || a === '--version') opts.version = true;
    else if (a === '-y') opts.yearInTs = true;
    else if (a === '-U' || a === '-q' || a === '--pedantic' || a === '--warn-rules') { /* accepted */ }
    else fatalUsage(`ERROR: unknown option ${a} `);
  }
}
function fatalUsage(line) {
  process.stderr.write(`${line}\nFATAL: see prior 1 errors\nFatal Error, Quitting..\n`);
  process.exit(1);
}

// ---------------------------------------------------------------- stdout buffering (§5)
const lineBuffered = process.env._STDBUF_O === 'L' || process.stdout.isTTY === true;
let pendingOut = '';
function out(line) {
  if (lineBuffered) process.stdout.write(line + '\n');
  else pendingOut += line + '\n';
}
function err(line) {
  process.stderr.write(line + '\n');
}
function flushAndExit(code) {
  if (pendingOut) process.stdout.write(pendingOut, () => process.exit(code));
  else process.exit(code);
}

// ---------------------------------------------------------------- validation (§6)
function stripLua(text) {
  // Comments (-- ... and --[[ ]]) and strings ('..', "..", [[ ]]) removed, newlines kept for line numbers.
  let outText = '';
  for (let i = 0; i < text.length;) {
    const rest = text.slice(i);
    let m;
    if ((m = /^--\[(=*)\[[\s\S]*?\]\1\]/.exec(rest)) || (m = /^--[^\n]*/.exec(rest)) || (m = /^\[(=*)\[[\s\S]*?\]\1\]/.exec(rest)) ||
        (m = /^'(?:\\.|[^'\\\n])*'/.exec(rest)) || (m = /^"(?:\\.|[^"\\\n])*"/.exec(rest))) {
      const isString = !m[0].startsWith('--');
      outText += (isString ? '""' : '') + m[0].replace(/[^\n]/g, '');
      i += m[0].length;
    } else {
      outText += text[i];
      i += 1;
    }
  }
  return outText;
}

function loadConfig() {
  const state = { errors: [], warnings: [], luaFiles: [], rules: [], fields: DEFAULT_FIELDS, fieldsSet: false, limitMb: 0, fileOutput: false };
  const top = opts.config;
  if (!top) {
    state.errors.push('ERROR: no configuration given (-c)');
    return state;
  }
  const topAbs = resolve(top);
  if (!existsSync(topAbs)) {
    state.errors.push(`ERROR: ${top}: can't load ${top}: cannot open ${top}: No such file or directory`);
    return state;
  }
  const seen = new Set();
  const visit = (file, fromInclude) => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = readFileSync(file, 'utf8');
    state.luaFiles.push(file);
    const stripped = stripLua(text);
    let depth = 0;
    for (const ch of stripped) depth += ch === '{' ? 1 : ch === '}' ? -1 : 0;
    if (depth !== 0) {
      const lines = text.split('\n').length;
      state.errors.push(`ERROR: ${topAbs}: can't load ${topAbs}: ${file}:${lines}: '${depth > 0 ? '}' : '<eof>'}' expected near '<eof>'`);
      return;
    }
    const inIncludePath = opts.includePath && resolve(file).startsWith(resolve(opts.includePath) + '/');
    if (!inIncludePath) {
      for (const m of stripped.matchAll(/^\s*([a-z_][a-z0-9_]*)\s*=\s*\{/gm)) {
        const name = m[1];
        if (!MODULES.has(name) && !name.startsWith('default_')) state.warnings.push(`WARNING: ${file}: unknown table ${name}`);
      }
    }
    for (const m of text.matchAll(/^\s*include\s*\(?\s*(['"])([^'"]+)\1/gm)) {
      const name = m[2];
      const candidates = isAbsolute(name) ? [name] : [opts.includePath && join(opts.includePath, name), join(dirname(file), name)].filter(Boolean);
      const found = candidates.find((c) => existsSync(c));
      if (!found) {
        const shown = candidates[0] ?? name;
        state.errors.push(`ERROR: ${shown}:1 can't init ${topAbs}: cannot open ${shown}: No such file or directory`);
        continue;
      }
      visit(resolve(found), true);
    }
    // Rules named in long strings (ips.rules = [[ include <file> ]]).
    for (const block of text.matchAll(/\[\[([\s\S]*?)\]\]/g)) {
      for (const line of block[1].split('\n')) {
        const inc = /^\s*include\s+(\S+)/.exec(line);
        if (inc) state.rules.push(inc[1]);
      }
    }
    const fields = /alert_json\s*=\s*\{[^}]*?fields\s*=\s*'([^']*)'/.exec(text);
    if (fields) {
      state.fields = fields[1];
      const bad = fields[1].split(/\s+/).filter((f) => f && !ALL_FIELDS.has(f));
      if (bad.length > 0) state.errors.push(`ERROR: ${file}: invalid alert_json.fields = '${fields[1]}'`);
    }
    const limit = /alert_json\s*=\s*\{[^}]*?limit\s*=\s*(\d+)/.exec(text);
    if (limit) state.limitMb = Number(limit[1]);
    if (/alert_json\s*=\s*\{[^}]*?file\s*=\s*true/.test(text)) state.fileOutput = true;
    void fromInclude;
  };
  visit(topAbs, false);
  state.loadedRules = [];
  for (const rulesFile of [...state.rules, ...opts.rulesFiles]) {
    if (!existsSync(rulesFile)) {
      state.errors.push(`ERROR: ${rulesFile}:1 unable to open rules file '${rulesFile}': No such file or directory`);
      continue;
    }
    const lines = readFileSync(rulesFile, 'utf8').split('\n');
    lines.forEach((line, idx) => {
      const t = line.trim();
      if (t === '' || t.startsWith('#')) return;
      if (!RULE_ACTIONS.test(t)) state.errors.push(`ERROR: ${rulesFile}:${idx + 1} syntax error`);
      else if (/\bnosuchoption\b/.test(t)) state.errors.push(`ERROR: ${rulesFile}:${idx + 1} unknown rule keyword: nosuchoption.`);
      else state.loadedRules.push(t);
    });
  }
  return state;
}

function ruleInfo(loadedRules, sid) {
  const line = loadedRules.find((r) => new RegExp(`[(;]\\s*sid:${sid};`).test(r));
  if (!line) return undefined;
  const msg = /msg:"([^"]*)"/.exec(line)?.[1] ?? '';
  const rev = Number(/rev:(\d+);/.exec(line)?.[1] ?? 1);
  const [klass, priority] = CLASSTYPES[/classtype:([a-z-]+);/.exec(line)?.[1]] ?? ['none', 3];
  return { gid: 1, sid, rev, msg, class: klass, priority };
}

// ---------------------------------------------------------------- main
parseArgs(process.argv.slice(2));

if (opts.version) {
  out('');
  out('   ,,_     -*> Snort++ <*-');
  out(`  o"  )~   Version ${VERSION} (kube-dpi TEST DOUBLE)`);
  out("   ''''    By Martin Roesch & The Snort Team");
  out('           Using DAQ version 3.0.25');
  out('           Using Hyperscan version 5.4.0 2021-01-26');
  out('           Using libpcap version 1.10.3 (with TPACKET_V3)');
  out('           Using LuaJIT version 2.1.0-beta3');
  flushAndExit(0);
} else if (opts.helpConfig !== undefined) {
  if (opts.helpConfig === 'alert_json') {
    out('bool alert_json.file = false: output to alert_json.txt instead of stdout');
    out(`multi alert_json.fields = ${DEFAULT_FIELDS}: selected fields will be output in given order left to right { ${[...ALL_FIELDS].join(' | ')} }`);
    out('int alert_json.limit = 0: set maximum size in MB before rollover (0 is unlimited) { 0:maxSZ }');
    out('string alert_json.separator = , : separate fields with this character sequence');
  } else if (opts.helpConfig === 'search_engine') {
    out('dynamic search_engine.search_method = ac_bnfa: set fast pattern algorithm - choose available search engine { ac_bnfa | ac_full | hyperscan | lowmem }');
  }
  flushAndExit(0);
} else {
  runConfigured();
}

function runConfigured() {
  let config = loadConfig();
  const warnings = opts.warnAll ? config.warnings : [];
  if (config.errors.length > 0) {
    for (const w of warnings) err(w);
    for (const e of config.errors) err(e);
    err(`FATAL: see prior ${config.errors.length} errors (${warnings.length} warnings)`);
    err('Fatal Error, Quitting..');
    flushAndExit(1);
    return;
  }
  if (opts.test) {
    for (const w of warnings) err(w);
    out(`Snort successfully validated the configuration (with ${warnings.length} warnings).`);
    out('o")~   Snort exiting');
    flushAndExit(0);
    return;
  }
  live(config);

  function live(initial) {
    config = initial;
    const perThreadFiles = opts.idZero || opts.threads > 1;
    if (config.fileOutput && (!opts.logDir || !existsSync(opts.logDir))) {
      const name = join(opts.logDir ?? '.', perThreadFiles ? '0_alert_json.txt' : 'alert_json.txt');
      err(`FATAL: OpenAlertFile() => fopen() alert file ${name}: No such file or directory`);
      err('Fatal Error, Quitting..');
      process.exit(134);
    }
    out('--------------------------------------------------');
    out(`o")~   Snort++ ${VERSION}`);
    out('--------------------------------------------------');
    out('Commencing packet processing');
    const ifaces = opts.interfaces.slice(0, Math.max(1, opts.threads));
    const netRaw = hasNetRaw();
    for (const iface of ifaces) {
      let reason;
      if (iface.length > 15) reason = `afpacket_daq_instantiate: Interface name too long! (${iface.length}) (-1)`;
      else if (!existsSync(`/sys/class/net/${iface}`)) reason = `create_instance: Could not find index for device ${iface} (-1)`;
      else if (!netRaw) reason = 'create_instance: Could not open the PF_PACKET socket: Operation not permitted (-1)';
      if (reason) {
        err(`Couldn't construct a DAQ instance (${iface}): ${reason}`);
        flushAndExit(0);
        return;
      }
    }
    const stats = { received: 0, analyzed: 0, dropped: 0 };
    const threads = ifaces.map((iface, n) => startThread(iface, n));
    // Like Snort's packet threads, a thread says it started only once its capture is really open (tcpdump
    // prints "listening on" when its socket is bound): the agent treats `++` as "inspection is live".
    for (const t of threads) void t.ready.then(() => out(`++ [${t.n}] ${t.iface}`));

    let reloading = false;
    process.on('SIGHUP', () => {
      out('** caught reload-config signal');
      if (reloading) {
        out('== reload pending; retry');
        return;
      }
      reloading = true;
      out('Reload started. [signal]');
      setTimeout(() => {
        const next = loadConfig();
        if (next.errors.length > 0) {
          for (const e of next.errors) err(e);
          out('Reload failed! bad config [signal]');
          out('== reload failed - bad config');
        } else {
          out('.. reloading configuration');
          out('Reload update: start loading ... [signal]');
          out('Reload update: start swapping configuration ... [signal]');
          out('.. swapping configuration');
          // The interface set and -z never change by reload (§4); rules, fields and limit do.
          config = next;
          out('== reload complete');
        }
        reloading = false;
      }, Number(process.env.KUBE_DPI_SNORT_DOUBLE_RELOAD_MS ?? 300));
    });
    process.on('SIGUSR1', () => printStats());
    for (const [sig, word] of [['SIGTERM', 'term'], ['SIGINT', 'int'], ['SIGQUIT', 'quit']]) {
      process.on(sig, () => {
        out(`** caught ${word} signal`);
        shutdown();
      });
    }

    function printStats() {
      out('--------------------------------------------------');
      out('Packet Statistics');
      out('--------------------------------------------------');
      out('daq');
      out(`                 received: ${stats.received}`);
      out(`                 analyzed: ${stats.analyzed}`);
      out(`                  dropped: ${stats.dropped}`);
      out(`                    allow: ${stats.analyzed}`);
      out('--------------------------------------------------');
    }
    function shutdown() {
      for (const t of threads) t.stop();
      printStats();
      out('o")~   Snort exiting');
      flushAndExit(0);
    }

    function startThread(iface, n) {
      const thread = { iface, n, alive: true, pktNum: 0, flows: new Map(), stop: () => {} };
      const fileName = perThreadFiles ? `${n}_alert_json.txt` : 'alert_json.txt';
      const path = join(opts.logDir ?? '.', fileName);
      let lastRotate = 0;
      const writeAlert = (line) => {
        if (!config.fileOutput) {
          out(line);
          return;
        }
        const limit = config.limitMb * 1024 * 1024;
        const now = Math.floor(Date.now() / 1000);
        if (limit > 0 && existsSync(path) && statSync(path).size >= limit && now !== lastRotate) {
          renameSync(path, `${path}.${now}`);
          lastRotate = now;
        }
        if (!existsSync(path)) closeSync(openSync(path, 'a', 0o600));
        appendFileSync(path, line + '\n');
      };
      const onPacket = (bytes, linkHeader) => {
        stats.received += 1;
        stats.analyzed += 1;
        thread.pktNum += 1;
        for (const line of inspect(bytes, linkHeader, thread, config)) writeAlert(line);
      };
      const capture = startCapture(iface, onPacket);
      thread.ready = capture.ready;
      // Load generation for benchmarks only: KUBE_DPI_SNORT_DOUBLE_SYNTHETIC_ALERTS_PER_SEC adds that many
      // alert lines per second per thread (rule 1:366 on a made-up ICMP packet), on top of real traffic.
      const synthetic = Number(process.env.KUBE_DPI_SNORT_DOUBLE_SYNTHETIC_ALERTS_PER_SEC ?? 0);
      const syntheticRule = synthetic > 0 ? ruleInfo(config.loadedRules ?? [], 366) : undefined;
      if (syntheticRule) {
        const pkt = { proto: 'ICMP', pkt_gen: 'raw', pkt_len: 84, dir: 'C2S', service: 'unknown', src_addr: '10.99.0.2', dst_addr: '10.99.0.1' };
        let owed = 0;
        const tick = setInterval(() => {
          if (!thread.alive) return clearInterval(tick);
          owed += synthetic / 20;
          const lines = [];
          for (; owed >= 1; owed--) {
            thread.pktNum += 1;
            lines.push(formatAlert(syntheticRule, pkt, thread, config.fields));
          }
          if (lines.length > 0) writeAlert(lines.join('\n'));
        }, 50);
      }
      const died = () => {
        if (!thread.alive) return;
        thread.alive = false;
        capture.stop();
        clearInterval(watch);
        err(`Error receiving message from the DAQ instance (${iface}): wait_for_packet: Encountered error condition on a packet socket`);
        out(`-- [${n}] ${iface}`);
        if (threads.every((t) => !t.alive)) setTimeout(shutdown, 1000);
      };
      const watch = setInterval(() => {
        if (!existsSync(`/sys/class/net/${iface}`)) died();
      }, 200);
      capture.onExit(() => setTimeout(() => { if (!existsSync(`/sys/class/net/${iface}`)) died(); }, 50));
      thread.stop = () => {
        thread.alive = false;
        clearInterval(watch);
        capture.stop();
      };
      return thread;
    }
  }
}

function hasNetRaw() {
  try {
    const status = readFileSync('/proc/self/status', 'utf8');
    const eff = BigInt('0x' + (/CapEff:\s*([0-9a-f]+)/.exec(status)?.[1] ?? '0'));
    return (eff & (1n << 13n)) !== 0n;
  } catch {
    return process.getuid?.() === 0;
  }
}

function which(cmd) {
  try {
    return execFileSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------- capture (real traffic)
// A function declaration (hoisted), not a const: the live loop above runs (top-level await) before a const
// declared here is initialised, so the python3 fallback (no tcpdump) used to die with a ReferenceError.
function pyCapture() {
  return `
import socket, sys, binascii
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
s.bind((sys.argv[1], 0))
sys.stderr.write("listening on " + sys.argv[1] + "\\n")
sys.stderr.flush()
while True:
    data = s.recv(262144)
    sys.stdout.write(binascii.hexlify(data).decode() + "\\n")
    sys.stdout.flush()
`;
}

function startCapture(iface, onPacket) {
  let child;
  let linkHeader;
  const tcpdump = which('tcpdump');
  if (tcpdump) {
    // -x: hex of each packet without the link header; lines "\t0x0000:  4500 0054 ..." follow a summary line.
    child = spawn(tcpdump, ['-l', '-n', '-x', '-s', '0', '-i', iface], { stdio: ['ignore', 'pipe', 'pipe'] });
    linkHeader = false;
  } else if (which('python3')) {
    child = spawn('python3', ['-c', pyCapture(), iface], { stdio: ['ignore', 'pipe', 'pipe'] });
    linkHeader = true;
  } else {
    return { stop() {}, onExit() {}, ready: Promise.resolve() };
  }
  const ready = new Promise((resolve) => {
    let text = '';
    const fallback = setTimeout(resolve, 3000);
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk) => {
      text += chunk;
      if (text.includes('listening on')) {
        clearTimeout(fallback);
        resolve();
      }
    });
    child.on('exit', () => {
      clearTimeout(fallback);
      resolve();
    });
  });
  // tcpdump -x prints a packet's hex after its summary line; the packet ends where the next summary starts,
  // or when nothing follows for a moment (so the last packet of a burst is not held back).
  let flushTimer;
  let buf = '';
  let hex = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk) => {
    buf += chunk;
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      if (linkHeader) {
        if (line) onPacket(Buffer.from(line.trim(), 'hex'), true);
      } else {
        const m = /^\s+0x[0-9a-f]+:\s+(.*)$/.exec(line);
        clearTimeout(flushTimer);
        if (m) {
          hex += m[1].replace(/\s+/g, '');
          flushTimer = setTimeout(() => {
            if (hex) onPacket(Buffer.from(hex, 'hex'), false);
            hex = '';
          }, 20);
        } else {
          if (hex) onPacket(Buffer.from(hex, 'hex'), false);
          hex = '';
        }
      }
    }
  });
  let exitListener = () => {};
  child.on('exit', () => {
    if (hex) onPacket(Buffer.from(hex, 'hex'), false);
    exitListener();
  });
  return {
    stop() { child.kill('SIGKILL'); },
    onExit(fn) { exitListener = fn; },
    ready,
  };
}

// ---------------------------------------------------------------- inspection of the four signatures
function inspect(bytes, linkHeader, thread, config) {
  let ip = bytes;
  if (linkHeader) {
    if (bytes.length < 14 || bytes.readUInt16BE(12) !== 0x0800) return [];
    ip = bytes.subarray(14);
  }
  if (ip.length < 20 || ip[0] >> 4 !== 4) return [];
  const ihl = (ip[0] & 0x0f) * 4;
  const totalLen = ip.readUInt16BE(2);
  const proto = ip[9];
  const src = [...ip.subarray(12, 16)].join('.');
  const dst = [...ip.subarray(16, 20)].join('.');
  const l4 = ip.subarray(ihl, totalLen);
  const hits = [];
  const base = { proto: '', pkt_len: totalLen, src_addr: src, dst_addr: dst };
  if (proto === 1 && l4.length >= 8) {
    const type = l4[0];
    const code = l4[1];
    const payload = l4.subarray(8);
    const flowKey = ['icmp', ...[src, dst].sort()].join('|');
    if (!thread.flows.has(flowKey)) thread.flows.set(flowKey, src);
    const dir = thread.flows.get(flowKey) === src ? 'C2S' : 'S2C';
    const pkt = { ...base, proto: 'ICMP', pkt_gen: 'raw', dir, service: 'unknown', payload: l4 };
    if (type === 8) {
      const first32 = payload.subarray(0, 32);
      if (first32.includes(Buffer.from([0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f]))) hits.push([366, pkt]);
      const text = payload.toString('latin1');
      if (code === 0 && !/ABCDEFGHIJKLMNOPQRSTUVWABCDEFGHI|0123456789abcdefghijklmnopqrstuv|WANG2|SolarWinds/.test(text)) hits.push([29456, pkt]);
    } else if (type === 0 && code === 0) {
      hits.push([408, pkt]);
    }
  } else if (proto === 6 && l4.length >= 20) {
    const sport = l4.readUInt16BE(0);
    const dport = l4.readUInt16BE(2);
    const dataOff = (l4[12] >> 4) * 4;
    const payload = l4.subarray(dataOff);
    const request = /^(GET|POST|HEAD|PUT|DELETE|OPTIONS|PATCH) (\S+) HTTP\/1\.[01]\r?\n/.exec(payload.toString('latin1'));
    if (request && /\/etc\/passwd/i.test(decodeURIComponent(request[2]))) {
      hits.push([1122, { ...base, proto: 'TCP', src_port: sport, dst_port: dport, pkt_gen: 'stream_tcp', dir: 'C2S', service: 'http', payload }]);
    }
  }
  const lines = [];
  for (const [sid, pkt] of hits) {
    const rule = ruleInfo(config.loadedRules ?? [], sid);
    if (rule) lines.push(formatAlert(rule, pkt, thread, config.fields));
  }
  return lines;
}

function formatAlert(rule, pkt, thread, fieldList) {
  const now = Date.now() * 1000 + Math.floor((performance.now() % 1) * 1000);
  const seconds = Math.floor(now / 1e6);
  const usec = String(now % 1e6).padStart(6, '0');
  const d = new Date(seconds * 1000);
  const two = (x) => String(x).padStart(2, '0');
  const ts = `${opts.yearInTs ? two(d.getFullYear() % 100) + '/' : ''}${two(d.getMonth() + 1)}/${two(d.getDate())}-${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}.${usec}`;
  const ap = (addr, port) => `${addr}:${port ?? 0}`;
  const values = {
    timestamp: ts, seconds, pkt_num: thread.pktNum, proto: pkt.proto, pkt_gen: pkt.pkt_gen, pkt_len: pkt.pkt_len, dir: pkt.dir,
    src_addr: pkt.src_addr, src_port: pkt.src_port, dst_addr: pkt.dst_addr, dst_port: pkt.dst_port,
    src_ap: ap(pkt.src_addr, pkt.src_port), dst_ap: ap(pkt.dst_addr, pkt.dst_port),
    rule: `${rule.gid}:${rule.sid}:${rule.rev}`, gid: rule.gid, sid: rule.sid, rev: rule.rev, msg: rule.msg, class: rule.class,
    priority: rule.priority, action: 'allow', service: pkt.service, iface: thread.iface,
    b64_data: pkt.payload && pkt.payload.length > 0 ? pkt.payload.toString('base64') : undefined,
  };
  const parts = [];
  for (const field of fieldList.split(/\s+/).filter(Boolean)) {
    const v = values[field];
    if (v === undefined) continue;
    parts.push(`"${field}" : ${typeof v === 'number' ? v : JSON.stringify(v)}`);
  }
  return `{ ${parts.join(', ')} }`;
}
