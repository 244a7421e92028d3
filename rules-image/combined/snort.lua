-- Example snort.lua override for the combined image. Start from a copy of the stock snort.lua (or of
-- snort-config/snort.lua); `include 'snort_defaults.lua'` by relative name keeps working because the agent
-- passes Snort's config folder as --include-path. The agent adds what it owns itself: the DAQ inputs,
-- checksum mode, snap length, alert_json output and the rules in /usr/etc/snort/rules/.
HOME_NET = 'any'
EXTERNAL_NET = 'any'

include 'snort_defaults.lua'

stream = { }
stream_ip = { }
stream_icmp = { }
stream_tcp = { }
stream_udp = { }
http_inspect = { }
wizard = default_wizard

binder =
{
    { when = { service = 'http' }, use = { type = 'http_inspect' } },
    { use = { type = 'wizard' } },
}

-- Alert rate controls: at most one /etc/passwd alert per source a minute.
event_filter =
{
    { gid = 1, sid = 1122, type = 'limit', track = 'by_src', count = 1, seconds = 60 },
}
