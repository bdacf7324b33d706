using System.Text;
using NanoTcp;

namespace Nanotcp.Monitor;

/// <summary>
/// A segment described as Wireshark's Info column does: <c>[FIN, ACK] Seq=161 Ack=734 Win=2048 Len=0</c>,
/// with Seq and Ack relative to each side's initial sequence number once it is known.
/// </summary>
public static class SegmentLabel
{
    /// <summary>Flag names in Wireshark's order.</summary>
    static readonly (int Flag, string Name)[] Names =
    [
        (TcpFlags.Fin, "FIN"), (TcpFlags.Syn, "SYN"), (TcpFlags.Rst, "RST"), (TcpFlags.Psh, "PSH"),
        (TcpFlags.Ack, "ACK"), (TcpFlags.Urg, "URG"), (TcpFlags.Ece, "ECE"), (TcpFlags.Cwr, "CWR"),
    ];

    /// <summary>"[SYN, ACK]"; "[&lt;None&gt;]" for no flags, as Wireshark writes it.</summary>
    public static string Flags(int flags)
    {
        var names = Names.Where(n => (flags & n.Flag) != 0).Select(n => n.Name).ToList();
        return names.Count == 0 ? "[<None>]" : "[" + string.Join(", ", names) + "]";
    }

    /// <summary>
    /// The label of a segment. seqBase is the sender's initial sequence number and ackBase the
    /// receiver's; null while unknown, and the number is then shown as it is on the wire.
    /// </summary>
    public static string Describe(Segment s, uint? seqBase, uint? ackBase)
    {
        var text = new StringBuilder(Flags(s.Flags));
        text.Append(" Seq=").Append(s.Seq - (seqBase ?? 0));
        if (s.Has(TcpFlags.Ack)) text.Append(" Ack=").Append(s.Ack - (ackBase ?? 0));
        text.Append(" Win=").Append(s.Window).Append(" Len=").Append(s.PayloadLength);
        if (s.Mss > 0) text.Append(" MSS=").Append(s.Mss);
        if (s.WindowScale >= 0) text.Append(" WS=").Append(1 << s.WindowScale);
        if (s.SackPermitted) text.Append(" SACK_PERM");
        return text.ToString();
    }
}
