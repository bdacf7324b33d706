namespace NanoTcp.Device
{
    /// <summary>
    /// Everything the device can be configured with, in one place. The TCP settings are the
    /// engine's own <see cref="TcpConfig"/> (its defaults are the device defaults, README "Defaults");
    /// the rest belongs to the device: the link port and the services. Names are those of the
    /// scenario scripts' option lines (msl_ms, capacity, ...), so one name means one thing everywhere.
    /// </summary>
    public sealed class DeviceSettings
    {
        /// <summary>TCP: inner address, capacity, timers, buffers; and the ISN key the platform seeds.</summary>
        public readonly TcpConfig Tcp = new TcpConfig();

        /// <summary>
        /// One listener slot per service (capacity counts connections only), and a send buffer of
        /// one MSS, half the engine's default: with eight connections the device starts in under
        /// 40 KB of heap (boards/esp32/README.md, "Heap").
        /// </summary>
        public DeviceSettings()
        {
            Tcp.Listeners = ServiceHost.ServiceCount;
            Tcp.SndBuf = 1024;
        }

        /// <summary>UDP port of the link (one IPv4 packet per datagram, README "The virtual board and the device") and of the status query.</summary>
        public int LinkPort = 9293;

        /// <summary>Lines the farewell service sends after the peer half-closes, and the pause between them.</summary>
        public int FarewellLines = 3;
        public int FarewellIntervalMs = 500;

        /// <summary>
        /// Sets one setting by name from text. Returns null, or a one-line reason (without the name).
        /// "address" takes a dotted quad; every other setting a whole number.
        /// </summary>
        public string Set(string name, string value)
        {
            if (!IsKnown(name)) return "unknown setting";
            if (name == "address")
            {
                uint a;
                if (!Ipv4.TryParse(value, out a)) return "'" + value + "' is not an IPv4 address";
                Tcp.LocalAddress = a;
                return null;
            }
            long v;
            if (!long.TryParse(value, out v)) return "'" + value + "' is not a whole number";
            switch (name)
            {
                case "link_port": LinkPort = (int)Clamp(v); return null;
                case "farewell_lines": FarewellLines = (int)Clamp(v); return null;
                case "farewell_interval_ms": FarewellIntervalMs = (int)Clamp(v); return null;
            }
            if (!Tcp.Set(name, v)) return value + " is out of range";
            return null;
        }

        /// <summary>Null when the device can start with these settings, else a one-line reason.</summary>
        public string Validate()
        {
            string bad = Tcp.Validate();
            if (bad != null) return bad;
            if (LinkPort < 0 || LinkPort > 65535) return "link_port must be 0..65535";
            if (Tcp.Listeners < ServiceHost.ServiceCount)
                return "listeners must be at least " + ServiceHost.ServiceCount.ToString() + ": one per service";
            if (FarewellLines < 1 || FarewellLines > 100) return "farewell_lines must be 1..100";
            if (FarewellIntervalMs < 0 || FarewellIntervalMs > 60000) return "farewell_interval_ms must be 0..60000";
            return null;
        }

        /// <summary>The names <see cref="Set"/> accepts, for help texts.</summary>
        public static readonly string[] Names =
        {
            "address", "link_port", "capacity", "msl_ms", "rto_initial_ms", "rto_min_ms", "rto_max_ms",
            "max_retries", "syn_max_retries", "syn_backlog", "fin_wait2_timeout_ms", "keepalive_idle_ms",
            "keepalive_interval_ms", "keepalive_count", "rcv_buf", "snd_buf", "mss", "delayed_ack_ms",
            "nodelay", "user_timeout_ms", "no_connection_lines_per_s", "farewell_lines", "farewell_interval_ms"
        };

        public static bool IsKnown(string name)
        {
            for (int i = 0; i < Names.Length; i++) if (Names[i] == name) return true;
            return false;
        }

        static long Clamp(long v) { return v < -1 ? -1 : (v > int.MaxValue ? int.MaxValue : v); }

        /// <summary>Writes the settings as the startup banner: "CONFIG key=value ..." lines on the serial log.</summary>
        public void WriteBanner(LogWriter log, long now)
        {
            uint a = Tcp.LocalAddress;
            log.Begin(now).Str(" - CONFIG").Key("address").Int(a >> 24).Char('.').Int((a >> 16) & 0xFF).Char('.').Int((a >> 8) & 0xFF).Char('.').Int(a & 0xFF)
                .Key("link_port").Int(LinkPort).Key("capacity").Int(Tcp.Capacity).Key("listeners").Int(Tcp.Listeners).End();
            log.Begin(now).Str(" - CONFIG").Key("msl_ms").Int(Tcp.MslMs).Key("time_wait_ms").Int(2L * Tcp.MslMs)
                .Key("fin_wait2_timeout_ms").Int(Tcp.FinWait2TimeoutMs).End();
            log.Begin(now).Str(" - CONFIG").Key("rto_initial_ms").Int(Tcp.RtoInitialMs).Key("rto_min_ms").Int(Tcp.RtoMinMs)
                .Key("rto_max_ms").Int(Tcp.RtoMaxMs).Key("max_retries").Int(Tcp.MaxRetries).Key("syn_max_retries").Int(Tcp.SynMaxRetries).End();
            log.Begin(now).Str(" - CONFIG").Key("keepalive_idle_ms").Int(Tcp.KeepAliveIdleMs).Key("keepalive_interval_ms").Int(Tcp.KeepAliveIntervalMs)
                .Key("keepalive_count").Int(Tcp.KeepAliveCount).Key("delayed_ack_ms").Int(Tcp.DelayedAckMs).End();
            log.Begin(now).Str(" - CONFIG").Key("nodelay").Int(Tcp.NoDelay ? 1 : 0).Key("user_timeout_ms").Int(Tcp.UserTimeoutMs)
                .Key("no_connection_lines_per_s").Int(Tcp.NoConnectionLinesPerSecond).End();
            log.Begin(now).Str(" - CONFIG").Key("rcv_buf").Int(Tcp.RcvBuf).Key("snd_buf").Int(Tcp.SndBuf).Key("mss").Int(Tcp.Mss).End();
        }
    }
}
