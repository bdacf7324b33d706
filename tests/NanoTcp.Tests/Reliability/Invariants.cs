using NanoTcp;

namespace NanoTcp.Tests.Reliability;

/// <summary>
/// What must hold of an engine's table after every input, read through <see cref="TcpInfo"/>.
/// Each check returns a short kind ("snd-order", "no-timer:FIN_WAIT_1", ...) when violated, so a
/// fuzzer can count violations by kind, or null. Allocates nothing when everything holds.
/// </summary>
public sealed class Invariants
{
    readonly TcpInfo _i = new(), _j = new();

    /// <summary>The first violation in the engine's table, or null; detail says where.</summary>
    public string? Check(TcpEngine e, out string? detail)
    {
        detail = null;
        int inUse = 0;
        for (int s = 0; s < e.Capacity; s++)
        {
            if (!e.GetSlotInfo(s, _i)) continue;
            inUse++;
            string? v = CheckSlot(_i);
            if (v == null && _i.State != TcpState.Listen && _i.State != TcpState.Closed)
            {
                // No two live slots for one 4-tuple: a segment could only ever reach one of them.
                for (int o = s + 1; o < e.Capacity; o++)
                    if (e.GetSlotInfo(o, _j) && _j.State != TcpState.Listen && _j.State != TcpState.Closed
                        && _j.LocalPort == _i.LocalPort && _j.RemotePort == _i.RemotePort && _j.RemoteAddress == _i.RemoteAddress)
                    {
                        v = "duplicate-4-tuple";
                        break;
                    }
            }
            if (v != null)
            {
                e.GetSlotInfo(s, _i);
                detail = Soak.Describe(_i);
                return v;
            }
        }
        if (inUse > e.Capacity) { detail = inUse + " slots in use"; return "count-over-capacity"; }
        return null;
    }

    static string? CheckSlot(TcpInfo i)
    {
        switch (i.State)
        {
            case TcpState.Listen:
            case TcpState.Closed: // held by the application until it calls Close
                return null;
        }
        // SND.UNA =< SND.NXT =< SND.MAX (RFC 9293 §3.3.1; SND.MAX is the highest sequence number sent).
        if (SeqNum.Gt(i.SndUna, i.SndNxt) || SeqNum.Gt(i.SndNxt, i.SndMax)) return "snd-order";
        // The window we advertised never promises more than the receive buffer can take.
        if (i.State != TcpState.SynSent && i.RcvWnd > i.RcvBufFree) return "window-over-free-buffer";
        // Every state that waits for something from the peer, or for time, has a timer.
        switch (i.State)
        {
            case TcpState.Established:
            case TcpState.CloseWait:
                break;
            case TcpState.FinWait2:
                // Only an orphan has the FIN_WAIT_2 timeout: an application that shut down its
                // sending side may read for ever, as on Linux and BSD.
                if (i.Handle < 0 && !i.HasTimer) return "no-timer:FIN_WAIT_2";
                break;
            default:
                if (!i.HasTimer) return "no-timer:" + TcpStates.Name(i.State);
                break;
        }
        // Data in flight is watched by the retransmission timer (RFC 6298 §5.1).
        if (i.SndUna != i.SndMax && i.State != TcpState.TimeWait && i.RtxAt == TcpInfo.Never) return "in-flight-without-rto";
        // Data queued with nothing in flight is sent, or waits for a timer: the persist timer for a
        // closed window, the override timeout of sender SWS avoidance for a small one (RFC 9293 §3.8.6.2.1).
        if (i.SendQ > 0 && i.SndUna == i.SndMax && !i.HasTimer) return "unsent-without-timer";
        return null;
    }
}
