namespace Nanotcp.Serial;

/// <summary>
/// Tells nanoFramework's debugger wire protocol apart from the plain-text log on a serial line.
/// Once a debugger (Visual Studio, its Device Explorer) has connected since the board's last
/// reset, nanoFramework sends Console output inside wire-protocol packets instead of as text: each
/// packet is a 32-byte header that starts with the marker "NFPKTV1\0" ("NFDBGV1\0" from the
/// debugger's side) and ends with the payload's length (little-endian, the last four bytes),
/// followed by that many payload bytes. The filter is fed every byte; it passes text on and
/// swallows packets whole, so they never show up as noise lines.
/// </summary>
public sealed class WireProtocolFilter
{
    public enum Result { Text, Swallowed, MarkerCompleted }

    public const int MarkerLength = 8;
    const int HeaderLength = 32;
    /// <summary>No packet's payload is larger (nanoFramework's is 1 KiB); a larger length field is not a packet.</summary>
    const int MaxPayload = 64 * 1024;

    static readonly byte[] PacketMarker = "NFPKTV1\0"u8.ToArray();
    static readonly byte[] DebuggerMarker = "NFDBGV1\0"u8.ToArray();

    int _packetMatch, _debuggerMatch;
    int _headerLeft;     // header bytes still to come after the marker
    uint _size;          // the payload length, read from the header's last four bytes
    long _payloadLeft;

    /// <summary>How many packets were seen.</summary>
    public int Packets { get; private set; }

    public Result Take(byte b)
    {
        if (_headerLeft > 0)
        {
            _headerLeft--;
            int fromEnd = _headerLeft; // 3, 2, 1, 0 for the length field's bytes
            if (fromEnd < 4) _size |= (uint)b << (8 * (3 - fromEnd));
            if (_headerLeft == 0) _payloadLeft = _size <= MaxPayload ? _size : 0;
            return Result.Swallowed;
        }
        if (_payloadLeft > 0)
        {
            _payloadLeft--;
            return Result.Swallowed;
        }
        _packetMatch = Advance(_packetMatch, PacketMarker, b);
        _debuggerMatch = Advance(_debuggerMatch, DebuggerMarker, b);
        if (_packetMatch == MarkerLength || _debuggerMatch == MarkerLength)
        {
            _packetMatch = _debuggerMatch = 0;
            _headerLeft = HeaderLength - MarkerLength;
            _size = 0;
            Packets++;
            return Result.MarkerCompleted;
        }
        return Result.Text;
    }

    static int Advance(int matched, byte[] marker, byte b)
    {
        if (marker[matched] == b) return matched + 1;
        return marker[0] == b ? 1 : 0;
    }

    /// <summary>The one line for the user: what the port carries and what to do.</summary>
    public static string Advice(string port) =>
        $"{port} carries nanoFramework's debugger wire protocol, not the plain-text log (a debugger has connected since the board's last reset): close Visual Studio's Device Explorer or stop debugging, then press the board's reset button";
}
