using System.Collections;

namespace NanoTcp.Scripting
{
    /// <summary>How an event's time column was written.</summary>
    public static class TimeKind
    {
        /// <summary>"0.100": seconds since the script started.</summary>
        public const int Absolute = 0;
        /// <summary>"+0.1": seconds after the previous event.</summary>
        public const int Relative = 1;
        /// <summary>"*": an outbound packet at any time.</summary>
        public const int Any = 2;
        /// <summary>"a~b" or "+a~+b": an outbound packet between two times.</summary>
        public const int Range = 3;
    }

    /// <summary>What kind of line an event is.</summary>
    public static class EventKind
    {
        public const int Packet = 0;
        public const int Syscall = 1;
        public const int AssertState = 2;
        /// <summary>A line the interpreter skips with a warning (other %{ }% code, `shell` lines).</summary>
        public const int Skipped = 3;
        /// <summary>"%{ peer_port = 40001 }%": later lines speak for the connection from that peer port.</summary>
        public const int PeerPort = 4;
    }

    /// <summary>One timed line of a script. Times are microseconds.</summary>
    public class ScriptEvent
    {
        public int Kind;
        /// <summary>1-based line number of the event's first line.</summary>
        public int Line;
        /// <summary>The line as written (comments removed).</summary>
        public string Text;
        /// <summary>The line without its time column: "> F. 1:1(0) ack 2".</summary>
        public string Body;

        public int TimeKind;
        /// <summary>The time, or the start of a range.</summary>
        public long Time;
        public bool TimeRelative;
        /// <summary>End of a range (TimeKind.Range).</summary>
        public long TimeEnd;
        public bool TimeEndRelative;

        /// <summary>"a...b": a blocking system call that must return at b. b is relative when the start is.</summary>
        public bool Blocking;
        public long BlockingEnd;
    }

    /// <summary>"&lt;" (inject) or "&gt;" (expect) a TCP segment.</summary>
    public sealed class PacketEvent : ScriptEvent
    {
        public bool Inbound;
        public int Flags;
        public long Seq, End;
        public int Length;
        public bool HasAck;
        public long Ack;
        public bool HasWindow;
        public int Window;
        /// <summary>TcpOption items as written; null when no option list was written.</summary>
        public ArrayList Options;
        /// <summary>"&lt;...&gt;": do not check the options.</summary>
        public bool AnyOptions;
        /// <summary>
        /// The IP ECN field written as [noecn] (0), [ect1] (1), [ect0] (2) or [ce] (3); -1 when not
        /// written. Checked on outbound packets; an inbound packet is sent without it (the engine uses no ECN).
        /// </summary>
        public int Ecn = -1;
        /// <summary>The options encoded (inbound packets), empty when none.</summary>
        public byte[] OptionBytes;
    }

    /// <summary>A system call such as "read(4, ..., 100) = 100".</summary>
    public sealed class SyscallEvent : ScriptEvent
    {
        public string Name;
        /// <summary>Arguments as written, stripped.</summary>
        public string[] Args;
        /// <summary>First argument when it is a descriptor, else -1.</summary>
        public int Fd = -1;
        /// <summary>A count, backlog, shutdown direction, fcntl flags or SO_LINGER on/off (per call).</summary>
        public long Value;
        /// <summary>Socket option name for setsockopt/getsockopt, fcntl command.</summary>
        public string Option;
        /// <summary>SO_LINGER seconds; getsockopt's expected value (SO_ERROR: an errno).</summary>
        public long Value2;
        /// <summary>The engine's <see cref="SocketOption"/> for setsockopt/getsockopt, 0 for SO_LINGER, SO_REUSEADDR and SO_ERROR.</summary>
        public int OptionId;
        /// <summary>Engine units (ms) per script unit: 1000 for options given in seconds, else 1.</summary>
        public int OptionScale = 1;

        public long ExpectedReturn;
        /// <summary>Expected errno when the call returns -1; 0 when none was written.</summary>
        public int ExpectedErrno;
        /// <summary>The call without its time and result: "read(4, ..., 100)".</summary>
        public string CallText;
    }

    /// <summary>"%{ peer_port = 40001 }%" (a NanoTcp extension; valid Python, so packetdrill itself would only set a variable).</summary>
    public sealed class PeerPortEvent : ScriptEvent
    {
        public int Port;
    }

    /// <summary>"%{ assert tcpi_state == TCP_TIME_WAIT }%".</summary>
    public sealed class AssertStateEvent : ScriptEvent
    {
        public int State;
        public string StateName;
    }
}
