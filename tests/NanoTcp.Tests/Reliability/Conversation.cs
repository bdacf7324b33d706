using NanoTcp;

namespace NanoTcp.Tests.Reliability;

/// <summary>How the two applications end a connection.</summary>
public enum ClosePattern
{
    /// <summary>Both send; the client closes once it has read everything, the server on end of stream.</summary>
    ClientFirst,
    /// <summary>Both send; the server closes once it has read everything, the client on end of stream.</summary>
    ServerFirst,
    /// <summary>Both send; once both have read everything, both close in the same instant: the FINs cross.</summary>
    Simultaneous,
    /// <summary>The client sends and half-closes (shutdown SHUT_WR) right after; the server answers in CLOSE_WAIT and closes right after writing; the client closes on end of stream.</summary>
    HalfClose,
    /// <summary>The server sends first; once the client has read it, it writes its own data and calls close() right after the last write; the server closes on end of stream.</summary>
    CloseAfterWrite,
}

/// <summary>
/// One connection's two applications on an <see cref="EnginePair"/>: what each writes, when it
/// shuts down or closes, and a check that every byte arrives once and in order. Driven by
/// <see cref="Step"/> after every event; everything is polled, nothing is asynchronous.
/// </summary>
public sealed class Conversation
{
    public readonly int Index;
    public readonly ClosePattern Pattern;
    public readonly int ClientBytes, ServerBytes; // client → server, server → client
    public readonly long Started;
    public long Finished = -1;
    public string? Failure;
    public int ClientPort;
    /// <summary>The error (errno) each application was told of, 0 when none.</summary>
    public int ClientError, ServerError;

    readonly EnginePair _pair;
    int _client = -1, _server = -1;
    int _cSent, _cRecv, _sSent, _sRecv;
    bool _cEof, _sEof, _cShut, _cClosed, _sClosed;

    [ThreadStatic] static byte[]? _buf;

    public Conversation(EnginePair pair, int index, ClosePattern pattern, int clientBytes, int serverBytes)
    {
        _pair = pair;
        Index = index;
        Pattern = pattern;
        ClientBytes = clientBytes;
        ServerBytes = serverBytes;
        Started = pair.Now;
        _client = pair.A.Connect(pair.Now, 0, EnginePair.AddrB, EnginePair.ServerPort);
        if (_client < 0) { Failure = "connect: " + TcpError.Name(_client); return; }
        ClientPort = pair.A.LocalPort(_client);
    }

    public bool Done => Finished >= 0 || Failure != null;
    public bool ServerAccepted => _server >= 0;
    public bool ClientClosed => _cClosed;
    public bool ServerClosed => _sClosed;

    /// <summary>The byte at a position of one direction's stream: differs by connection and direction, so a misdelivered byte shows.</summary>
    static byte PatternByte(int index, bool fromClient, int pos) =>
        (byte)(pos * 7 + (pos >> 8) * 13 + (pos >> 16) * 3 + index * 31 + (fromClient ? 0 : 101));

    /// <summary>The server accepted a connection from this client port.</summary>
    public void Accepted(int handle) => _server = handle;

    /// <summary>Whether both applications have read everything the other sent and written all of their own (the point where Simultaneous closes).</summary>
    bool ReadyToCloseTogether => _cRecv == ServerBytes && _sRecv == ClientBytes && _cSent == ClientBytes && _sSent == ServerBytes;

    /// <summary>A hash of both applications' progress, for a model checker's visited set.</summary>
    public ulong StateHash()
    {
        ulong h = (ulong)(_cSent * 31 + _cRecv) * 1000003UL ^ (ulong)(_sSent * 31 + _sRecv) * 7919UL;
        int flags = (_cEof ? 1 : 0) | (_sEof ? 2 : 0) | (_cShut ? 4 : 0) | (_cClosed ? 8 : 0) | (_sClosed ? 16 : 0) | (_server >= 0 ? 32 : 0)
            | (Failure != null ? 64 : 0);
        return h * 31 + (ulong)flags + (ulong)ClientError * 131 + (ulong)ServerError * 137;
    }

    /// <summary>Lets both applications act on what the engines did; returns whether either did anything.</summary>
    public bool Step()
    {
        if (Done) return false;
        bool progress = false;
        TcpEngine a = _pair.A, b = _pair.B;
        long now = _pair.Now;

        // The client.
        if (!_cClosed)
        {
            progress |= Read(a, _client, true, ref _cRecv, ref _cEof, ServerBytes);
            bool mayWrite = Pattern != ClosePattern.CloseAfterWrite || _cRecv == ServerBytes;
            if (mayWrite && !_cShut) progress |= Write(a, _client, true, ref _cSent, ClientBytes);
            bool written = _cSent == ClientBytes;
            if (Failure != null) return true;
            switch (Pattern)
            {
                case ClosePattern.ClientFirst:
                    if (written && _cRecv == ServerBytes && Connected(a, _client)) CloseClient(now);
                    break;
                case ClosePattern.ServerFirst:
                case ClosePattern.HalfClose:
                    if (Pattern == ClosePattern.HalfClose && written && !_cShut && Connected(a, _client))
                    {
                        Expect(a.Shutdown(now, _client, ShutdownHow.Write), "client shutdown");
                        _cShut = true;
                        progress = true;
                    }
                    if (_cEof && written) CloseClient(now);
                    break;
                case ClosePattern.CloseAfterWrite:
                    if (written && _cRecv == ServerBytes && Connected(a, _client)) CloseClient(now);
                    break;
                case ClosePattern.Simultaneous:
                    if (_server >= 0 && !_sClosed && ReadyToCloseTogether)
                    {
                        CloseClient(now);
                        CloseServer(now);
                    }
                    break;
            }
            progress |= _cClosed;
        }
        if (Failure != null) return true;

        // The server, once it has accepted.
        if (_server >= 0 && !_sClosed)
        {
            progress |= Read(b, _server, false, ref _sRecv, ref _sEof, ClientBytes);
            bool mayWrite = Pattern != ClosePattern.HalfClose || _sEof;
            if (mayWrite) progress |= Write(b, _server, false, ref _sSent, ServerBytes);
            bool written = _sSent == ServerBytes;
            if (Failure != null) return true;
            switch (Pattern)
            {
                case ClosePattern.ClientFirst:
                case ClosePattern.CloseAfterWrite:
                    if (_sEof && written) CloseServer(now);
                    break;
                case ClosePattern.ServerFirst:
                    if (written && _sRecv == ClientBytes) CloseServer(now);
                    break;
                case ClosePattern.HalfClose:
                    if (_sEof && written) CloseServer(now); // right after the last write
                    break;
            }
            progress |= _sClosed;
        }
        return progress;
    }

    /// <summary>Checks whether the connection is over: both applications closed and neither engine holds the 4-tuple.</summary>
    public bool CheckFinished()
    {
        if (Done) return Finished >= 0;
        if (!_cClosed || !_sClosed) return false;
        if (_pair.A.StateOf(ClientPort, EnginePair.AddrB, EnginePair.ServerPort) != TcpState.Closed) return false;
        if (_pair.B.StateOf(EnginePair.ServerPort, EnginePair.AddrA, ClientPort) != TcpState.Closed) return false;
        Finished = _pair.Now;
        return true;
    }

    bool Connected(TcpEngine e, int h) => e.StateOf(h) >= TcpState.Established;

    void CloseClient(long now)
    {
        if (_cClosed) return;
        CheckNoError(_pair.A, _client, "client");
        Expect(_pair.A.Close(now, _client), "client close");
        _cClosed = true;
    }

    void CloseServer(long now)
    {
        if (_sClosed) return;
        CheckNoError(_pair.B, _server, "server");
        Expect(_pair.B.Close(now, _server), "server close");
        _sClosed = true;
    }

    void CheckNoError(TcpEngine e, int h, string who)
    {
        if (e.StateOf(h) == TcpState.Closed)
        {
            int err = e.TakeError(h);
            if (err != 0) Errored(who == "client", err, $"{who}: the connection ended with {TcpError.Name(err)} before the application closed it");
        }
    }

    void Errored(bool client, int errno, string why)
    {
        if (errno < 0) errno = -errno;
        if (client) { if (ClientError == 0) ClientError = errno; }
        else if (ServerError == 0) ServerError = errno;
        Fail(why);
    }

    /// <summary>For a connection that did not finish: whether each application holding a handle has an error waiting (SO_ERROR), which it takes.</summary>
    public void CollectPendingErrors()
    {
        if (_client >= 0 && !_cClosed && ClientError == 0) ClientError = _pair.A.TakeError(_client);
        if (_server >= 0 && !_sClosed && ServerError == 0) ServerError = _pair.B.TakeError(_server);
    }

    void Expect(int result, string what)
    {
        if (result < 0) Fail($"{what}: {TcpError.Name(result)}");
    }

    bool Read(TcpEngine e, int h, bool client, ref int received, ref bool eof, int expected)
    {
        if (eof) return false;
        byte[] buf = _buf ??= new byte[4096];
        bool progress = false;
        while (true)
        {
            int n = e.Receive(_pair.Now, h, buf, 0, buf.Length);
            if (n == -TcpError.WouldBlock) return progress;
            if (n < 0)
            {
                Errored(client, n, $"{(client ? "client" : "server")} read: {TcpError.Name(n)} after {received} of {expected} bytes");
                return true;
            }
            if (n == 0)
            {
                if (e.StateOf(h) == TcpState.Closed && (e.Poll(h) & TcpEvents.PeerClosed) == 0 && received < expected)
                {
                    int err = e.TakeError(h);
                    Errored(client, err == 0 ? TcpError.ConnectionReset : err, $"{(client ? "client" : "server")}: connection closed ({TcpError.Name(err)}) after {received} of {expected} bytes");
                    return true;
                }
                if (received != expected) Fail($"{(client ? "client" : "server")}: end of stream after {received} of {expected} bytes");
                eof = true;
                return true;
            }
            for (int i = 0; i < n; i++)
            {
                if (received + i >= expected) { Fail($"{(client ? "client" : "server")}: more than the {expected} bytes sent"); return true; }
                if (buf[i] != PatternByte(Index, !client, received + i))
                {
                    Fail($"{(client ? "client" : "server")}: byte {received + i} is {buf[i]}, expected {PatternByte(Index, !client, received + i)}");
                    return true;
                }
            }
            received += n;
            progress = true;
        }
    }

    bool Write(TcpEngine e, int h, bool client, ref int sent, int total)
    {
        bool progress = false;
        while (sent < total)
        {
            if (e.StateOf(h) < TcpState.Established) return progress;
            byte[] buf = _buf ??= new byte[4096];
            int room = e.SendSpace(h);
            if (room == 0) return progress; // full: nothing to fill (the pattern costs more than the engine)
            int chunk = Math.Min(Math.Min(total - sent, buf.Length), room);
            for (int i = 0; i < chunk; i++) buf[i] = PatternByte(Index, client, sent + i);
            int n = e.Send(_pair.Now, h, buf, 0, chunk);
            if (n == -TcpError.WouldBlock) return progress;
            if (n < 0)
            {
                Errored(client, n, $"{(client ? "client" : "server")} write: {TcpError.Name(n)} after {sent} of {total} bytes");
                return true;
            }
            sent += n;
            progress = true;
            if (n < chunk) return progress;
        }
        return progress;
    }

    void Fail(string why) => Failure ??= why;

    /// <summary>Marks the connection failed (if it is not already) and ends both sides with RST, so a run can go on without it.</summary>
    public void Abandon(string why)
    {
        Fail(why);
        if (_client >= 0 && !_cClosed) { _pair.A.Abort(_pair.Now, _client); _pair.A.Close(_pair.Now, _client); _cClosed = true; }
        if (_server >= 0 && !_sClosed) { _pair.B.Abort(_pair.Now, _server); _pair.B.Close(_pair.Now, _server); _sClosed = true; }
    }

    public string Describe() =>
        $"connection {Index} ({Pattern}, client port {ClientPort}, {ClientBytes} bytes client→server, {ServerBytes} server→client, started at {Started} ms): " +
        $"client sent {_cSent} read {_cRecv}{(_cEof ? " eof" : "")}{(_cShut ? " shut" : "")}{(_cClosed ? " closed" : "")}, " +
        $"server {(_server < 0 ? "not accepted" : $"sent {_sSent} read {_sRecv}{(_sEof ? " eof" : "")}{(_sClosed ? " closed" : "")}")}";
}
