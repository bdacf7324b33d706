using System.Collections;

namespace NanoTcp.Scripting
{
    /// <summary>A parsed script: its settings and its events in order.</summary>
    public sealed class Script
    {
        public const long DefaultToleranceMicros = 4000;

        /// <summary>--tolerance_usecs.</summary>
        public long ToleranceMicros = DefaultToleranceMicros;
        /// <summary>The engine's address (--local_ip), host order.</summary>
        public uint LocalAddress = Ipv4.Address(192, 168, 0, 1);
        /// <summary>The script's peer (--remote_ip), host order.</summary>
        public uint RemoteAddress = Ipv4.Address(192, 0, 2, 1);

        /// <summary>--strict_end=1: packets the engine sends after the last line fail the script.</summary>
        public bool StrictEnd;

        /// <summary>Engine settings as ScriptSetting items, in the order written.</summary>
        public readonly ArrayList Settings = new ArrayList();
        /// <summary>ScriptEvent items.</summary>
        public readonly ArrayList Events = new ArrayList();
        /// <summary>Strings: lines skipped and why.</summary>
        public readonly ArrayList Warnings = new ArrayList();
    }

    /// <summary>One engine setting line, "--msl_ms=2000".</summary>
    public sealed class ScriptSetting
    {
        public int Line;
        public string Name;
        public long Value;

        public ScriptSetting(int line, string name, long value)
        {
            Line = line;
            Name = name;
            Value = value;
        }
    }
}
