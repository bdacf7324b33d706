namespace NanoTcp.Device
{
    /// <summary>
    /// Echo (RFC 862, port 7): sends back what it receives. The peer closes first, so the device
    /// shows the passive close: CLOSE_WAIT -> LAST_ACK -> CLOSED.
    /// </summary>
    public sealed class EchoService : Service
    {
        public EchoService() : base("echo", 7) { }

        public override bool Run(ServiceHost host, Connection c, long now)
        {
            TcpEngine e = host.Engine;
            byte[] buf = host.Scratch;
            while (true)
            {
                // Read no more than can be sent back, so a slow reader slows the writer (flow control).
                int room = e.SendSpace(c.Handle);
                if (room == 0) return true;
                int n = e.Receive(now, c.Handle, buf, 0, room < buf.Length ? room : buf.Length);
                if (n > 0) { e.Send(now, c.Handle, buf, 0, n); continue; }
                if (n == -TcpError.WouldBlock) return true;
                return host.Close(now, c); // 0: the peer's FIN, so close our side too (or an error)
            }
        }
    }

    /// <summary>Discard (RFC 863, port 9): reads and drops everything; closes after the peer does.</summary>
    public sealed class DiscardService : Service
    {
        public DiscardService() : base("discard", 9) { }

        public override bool Run(ServiceHost host, Connection c, long now)
        {
            return host.Discard(now, c) == ServiceHost.InputWaiting || host.Close(now, c);
        }
    }

    /// <summary>
    /// Daytime (RFC 867, port 13): sends one line and closes first, so the device shows the
    /// active close: FIN_WAIT_1 -> FIN_WAIT_2 -> TIME_WAIT -> CLOSED (2·MSL later). The device has
    /// no wall clock, so the line tells the time since boot.
    /// </summary>
    public sealed class DaytimeService : Service
    {
        public DaytimeService() : base("daytime", 13) { }

        public override bool Run(ServiceHost host, Connection c, long now)
        {
            TextBuffer t = host.Text;
            long up = c.Since; // the line is fixed at accept time, so a partial send resumes the same text
            t.Clear().Str("NanoTcp uptime ").Int(up / 86400000).Str("d ").Int(up / 3600000 % 24, 2).Char(':')
                .Int(up / 60000 % 60, 2).Char(':').Int(up / 1000 % 60, 2).Char('.').Int(up % 1000, 3).Str("\r\n");
            c.Progress = host.SendTextBuffer(now, c, c.Progress);
            if (c.Progress < t.Length) return true;
            // Unread input would turn close into a reset (RFC 1122 §4.2.2.13): drop it first.
            host.Discard(now, c);
            return host.Close(now, c);
        }
    }

    /// <summary>
    /// Character generator (RFC 864, port 19): streams the 72-character rotating lines as fast as
    /// the peer takes them, until the peer closes or half-closes; input is discarded.
    /// </summary>
    public sealed class ChargenService : Service
    {
        const int LineLength = 74;              // 72 printable characters and CR LF
        const int Printable = 95;                // ' ' .. '~'
        const int Period = LineLength * Printable; // the pattern repeats after 95 lines

        public ChargenService() : base("chargen", 19) { }

        public override bool Run(ServiceHost host, Connection c, long now)
        {
            if (host.Discard(now, c) != ServiceHost.InputWaiting) return host.Close(now, c);
            TcpEngine e = host.Engine;
            byte[] buf = host.Scratch;
            int room;
            while ((room = e.SendSpace(c.Handle)) > 0)
            {
                int n = room < buf.Length ? room : buf.Length;
                for (int i = 0; i < n; i++) buf[i] = PatternAt((c.Progress + i) % Period);
                int sent = e.Send(now, c.Handle, buf, 0, n);
                if (sent <= 0) break;
                c.Progress = (c.Progress + sent) % Period;
            }
            return true;
        }

        static byte PatternAt(int position)
        {
            int line = position / LineLength, column = position % LineLength;
            if (column == LineLength - 2) return 13;
            if (column == LineLength - 1) return 10;
            return (byte)(' ' + (line + column) % Printable);
        }
    }

    /// <summary>
    /// Farewell (port 2019): greets, then waits for the peer to half-close (shutdown SHUT_WR).
    /// Then, in CLOSE_WAIT, it keeps sending a few lines over a short while before closing, so the
    /// ACK of the peer's FIN (close segment 2) and the device's own FIN (segment 3) are separated
    /// by data and time: why the passive side's two close segments cannot merge.
    /// </summary>
    public sealed class FarewellService : Service
    {
        const int Greeting = 0, Listening = 1, Farewell = 2;
        const string Hello = "farewell: half-close your side (shutdown SHUT_WR) and I will keep talking for a while\r\n";

        readonly int _lines;
        readonly int _intervalMs;

        public FarewellService(int lines, int intervalMs) : base("farewell", 2019)
        {
            _lines = lines;
            _intervalMs = intervalMs;
        }

        public override bool Run(ServiceHost host, Connection c, long now)
        {
            if (c.Phase == Greeting)
            {
                c.Progress = host.SendText(now, c, Hello, c.Progress);
                if (c.Progress == Hello.Length) { c.Phase = Listening; c.Progress = 0; }
            }
            if (c.Phase == Listening)
            {
                int input = host.Discard(now, c);
                if (input == ServiceHost.InputFailed) return host.Close(now, c);
                if (input == ServiceHost.InputWaiting) return true;
                c.Phase = Farewell; // the peer's FIN: we are in CLOSE_WAIT now
                c.Due = now;
            }
            if (c.Phase != Farewell || now < c.Due) return true;
            if (c.Progress == _lines) return host.Close(now, c); // our FIN at last: LAST_ACK

            TextBuffer t = host.Text;
            t.Clear().Str("farewell ").Int(c.Progress + 1).Char('/').Int(_lines).Str(": still sending in CLOSE_WAIT\r\n");
            // A whole line or nothing, so each line is one segment; a full buffer waits for the next interval.
            if (host.Engine.SendSpace(c.Handle) >= t.Length && host.SendTextBuffer(now, c, 0) == t.Length) c.Progress++;
            c.Due = now + _intervalMs;
            if (c.Progress == _lines && _intervalMs == 0) return host.Close(now, c);
            return true;
        }
    }
}
