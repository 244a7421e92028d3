---------------------------------------------------------------------------
-- kube-dpi default Snort 3 configuration: the detection part, owned by you.
--
-- The agent starts from this file only when neither --snort-config nor the Calico-compatible
-- /usr/etc/snort/snort.lua exists. To change detection, copy this file (or your distribution's stock
-- snort.lua), edit it and mount it at /usr/etc/snort/snort.lua or pass --snort-config <file>.
--
-- The agent generates one small config per Snort process that includes this file first and then sets the
-- settings it owns (capture, checksum mode, alert_json output, rules folder, search engine): see
-- snort-config/README.md. Anything you set here for those is overridden; everything else is yours.
--
-- Relative includes (like 'snort_defaults.lua' below) resolve through Snort's --include-path, which the
-- agent sets to your Snort install's config folder (--snort-config-dir, or <prefix>/etc/snort next to the
-- snort binary), so this file works wherever it is mounted.
---------------------------------------------------------------------------

---------------------------------------------------------------------------
-- 1. Networks. Rules say "$HOME_NET -> $EXTERNAL_NET"; narrow these to your pod and service CIDRs to
-- cut false positives, e.g. HOME_NET = '[10.0.0.0/8,192.168.0.0/16]'.
---------------------------------------------------------------------------
HOME_NET = 'any'
EXTERNAL_NET = 'any'

-- default_variables, default_wizard, default_smtp, default_ftp_server, ports, classifications and
-- references come from the install's snort_defaults.lua; it reads HOME_NET/EXTERNAL_NET, so set them first.
include 'snort_defaults.lua'

---------------------------------------------------------------------------
-- 2. Inspectors. `mod = { }` uses Snort's built-in defaults (`snort --help-module mod` shows them).
---------------------------------------------------------------------------
stream = { }
stream_ip = { }
stream_icmp = { }
stream_tcp = { }
stream_udp = { }
stream_user = { }
stream_file = { }

back_orifice = { }
dns = { }
imap = { }
pop = { }
rpc_decode = { }
sip = { }
ssh = { }
ssl = { }
telnet = { }

dce_smb = { }
dce_tcp = { }
dce_udp = { }

smtp = default_smtp
ftp_server = default_ftp_server
ftp_client = { }
ftp_data = { }

http_inspect = { }
http2_inspect = { }

---------------------------------------------------------------------------
-- 3. Service identification: the wizard guesses the service from the first bytes of a flow, the binder
-- hands each flow to its inspector. Every inspector named here must be configured above.
---------------------------------------------------------------------------
wizard = default_wizard

binder =
{
    -- port bindings for protocols the wizard cannot identify
    { when = { proto = 'udp', ports = '53', role = 'server' },  use = { type = 'dns' } },
    { when = { proto = 'tcp', ports = '53', role = 'server' },  use = { type = 'dns' } },
    { when = { proto = 'tcp', ports = '111', role = 'server' }, use = { type = 'rpc_decode' } },

    { when = { proto = 'tcp', service = 'dcerpc' }, use = { type = 'dce_tcp' } },
    { when = { proto = 'udp', service = 'dcerpc' }, use = { type = 'dce_udp' } },
    { when = { service = 'netbios-ssn' },           use = { type = 'dce_smb' } },

    { when = { service = 'dns' },      use = { type = 'dns' } },
    { when = { service = 'ftp' },      use = { type = 'ftp_server' } },
    { when = { service = 'ftp-data' }, use = { type = 'ftp_data' } },
    { when = { service = 'http' },     use = { type = 'http_inspect' } },
    { when = { service = 'http2' },    use = { type = 'http2_inspect' } },
    { when = { service = 'imap' },     use = { type = 'imap' } },
    { when = { service = 'pop3' },     use = { type = 'pop' } },
    { when = { service = 'sip' },      use = { type = 'sip' } },
    { when = { service = 'smtp' },     use = { type = 'smtp' } },
    { when = { service = 'ssh' },      use = { type = 'ssh' } },
    { when = { service = 'ssl' },      use = { type = 'ssl' } },
    { when = { service = 'sunrpc' },   use = { type = 'rpc_decode' } },
    { when = { service = 'telnet' },   use = { type = 'telnet' } },

    { use = { type = 'wizard' } },
}

---------------------------------------------------------------------------
-- 4. Detection. The agent appends `include <file>` for every *.rules file in the rules folder
-- (/usr/etc/snort/rules by default) to ips.rules; rules you name here load first.
---------------------------------------------------------------------------
references = default_references
classifications = default_classifications

ips =
{
    -- decoder and inspector alerts (gid 116, 119, ...); noisy on veths with GSO unless snaplen is 65535,
    -- which the agent sets
    -- enable_builtin_rules = true,

    variables = default_variables,
}

---------------------------------------------------------------------------
-- 5. Alert rate control (all verified with Snort 3.11: accepted by snort -T and effective live).
-- The agent also aggregates repeats per (rule, pod) on its side; these act inside Snort, before the file.
---------------------------------------------------------------------------

-- At most one alert per source per minute for sid 1:366 (PROTOCOL-ICMP PING Unix):
-- event_filter =
-- {
--     { gid = 1, sid = 366, type = 'limit', track = 'by_src', count = 1, seconds = 60 },
-- }

-- After 3 matches in 10 s from one source, mark further alerts would_drop for 30 s (IDS mode keeps
-- alerting with "action": "would_drop"; new_action = 'pass' silences them instead):
-- rate_filter =
-- {
--     { gid = 1, sid = 366, track = 'by_src', count = 3, seconds = 10, new_action = 'drop', timeout = 30 },
-- }

-- Never alert for sid 1:408 (Echo Reply), and not for 1:1122 towards one known scanner target:
-- suppress =
-- {
--     { gid = 1, sid = 408 },
--     { gid = 1, sid = 1122, track = 'by_dst', ip = '10.0.0.5' },
-- }
