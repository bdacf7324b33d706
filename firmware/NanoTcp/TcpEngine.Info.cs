namespace NanoTcp
{
    /// <summary>Inspection: a snapshot of one connection's control block (<see cref="TcpInfo"/>), for status reports and tests.</summary>
    public sealed partial class TcpEngine
    {
        /// <summary>Fills into with the connection a handle names. False (into cleared) when the handle is stale or unknown.</summary>
        public bool GetInfo(int handle, TcpInfo into)
        {
            into.Clear();
            Tcb t = Lookup(handle);
            if (t == null) return false;
            Fill(t, into);
            return true;
        }

        /// <summary>Fills into with a table slot, whoever holds it. False (into cleared, Slot set) when the slot is free or out of range.</summary>
        public bool GetSlotInfo(int slot, TcpInfo into)
        {
            into.Clear();
            if (slot < 0 || slot >= _table.Length) return false;
            into.Slot = slot;
            Tcb t = _table[slot];
            if (!t.InUse) return false;
            Fill(t, into);
            return true;
        }

        void Fill(Tcb t, TcpInfo i)
        {
            i.Slot = t.Slot;
            i.Handle = t.AppOwned ? t.Handle : -1;
            i.InUse = true;
            i.State = t.State;
            i.LocalPort = t.LocalPort;
            i.RemoteAddress = t.RemoteAddr;
            i.RemotePort = t.RemotePort;
            i.Iss = t.Iss; i.Irs = t.Irs;
            i.SndUna = t.SndUna; i.SndNxt = t.SndNxt; i.SndMax = t.SndMax; i.RcvNxt = t.RcvNxt;
            i.SndWnd = t.SndWnd; i.MaxSndWnd = t.MaxSndWnd;
            // A shift offered in a SYN counts only once the other side's SYN carried the option too.
            i.SndWndShift = t.SndShift; i.RcvWndShift = t.WsOk ? t.RcvShift : 0;
            i.RcvWnd = t.RcvAdv == 0 ? 0 : (int)(t.RcvAdv - t.RcvNxt);
            i.RcvBufFree = t.RcvBuf.Free;
            i.SndMss = t.SndMss;
            i.Cwnd = t.Cwnd; i.Ssthresh = t.Ssthresh;
            i.SrttMs = t.Rto.SrttMs; i.RttVarMs = t.Rto.RttVarMs; i.RtoMs = t.Rto.RtoMs;
            i.Retries = t.Retries;
            i.RecvQ = t.RcvBuf.Count;
            i.SendQ = t.SndBuf.Count;
            i.FinQueued = t.FinQueued; i.FinAcked = t.FinAcked; i.FinReceived = t.FinReceived;
            i.Error = t.Error;
            i.RtxAt = t.RtxAt;
            // The same test the timer applies when it fires: a closed window with data waiting at SND.UNA.
            i.Persist = t.RtxAt != DeadlineHeap.Never && t.SndUna != t.Iss && t.SndWnd == 0
                && SeqNum.Lt(t.SndUna, t.SndBufSeq + (uint)t.SndBuf.Count);
            i.TimeWaitAt = t.TimeWaitAt; i.FinWait2At = t.FinWait2At; i.KeepAliveAt = t.KeepAliveAt; i.DelAckAt = t.DelAckAt;
            i.NextDeadline = t.NextDeadline;
            i.NextTimer = null;
            if (i.NextDeadline == DeadlineHeap.Never) return;
            // Named in the order FireTimers runs them when several are due at once.
            if (t.TimeWaitAt == i.NextDeadline) i.NextTimer = "2msl";
            else if (t.FinWait2At == i.NextDeadline) i.NextTimer = "fin_wait_2";
            else if (t.RtxAt == i.NextDeadline) i.NextTimer = i.Persist ? "persist" : "rto";
            else if (t.KeepAliveAt == i.NextDeadline) i.NextTimer = "keepalive";
            else i.NextTimer = "delack";
        }
    }
}
