using System.Globalization;

namespace Nanotcp.Net;

/// <summary>
/// How a link mistreats packets on purpose: the chance that a packet is lost, duplicated,
/// reordered (held back so that later ones overtake it) or corrupted (one bit flipped, which the
/// receiver's checksum catches), and a fixed one-way delay. Seeded: the same seed and the same
/// traffic give the same fate to every packet.
/// </summary>
public sealed record ImpairmentSettings
{
    public double Loss { get; init; }
    public double Duplicate { get; init; }
    public double Reorder { get; init; }
    public double Corrupt { get; init; }
    /// <summary>One-way delay of every packet, in ms.</summary>
    public int DelayMs { get; init; }
    /// <summary>The most a reordered packet (or a duplicate's second copy) is held back beyond the delay, in ms; 0 = max(3, 2 × delay).</summary>
    public int ReorderSpanMs { get; init; }
    public int Seed { get; init; }

    public static readonly ImpairmentSettings None = new();

    /// <summary>Whether the link does anything to packets at all.</summary>
    public bool Active => Loss > 0 || Duplicate > 0 || Reorder > 0 || Corrupt > 0 || DelayMs > 0;

    /// <summary>The hold-back span actually used.</summary>
    public int Span => ReorderSpanMs > 0 ? ReorderSpanMs : Math.Max(3, 2 * DelayMs);

    /// <summary>"loss=10% duplicate=5% reorder=5% corrupt=1% delay=0ms seed=42"</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"loss={Percent(Loss)} duplicate={Percent(Duplicate)} reorder={Percent(Reorder)} corrupt={Percent(Corrupt)} delay={DelayMs}ms seed={Seed}");

    static string Percent(double rate) => (rate * 100).ToString("0.###", CultureInfo.InvariantCulture) + "%";

    /// <summary>
    /// A rate written as a percentage ("10%", "0.5%") or a fraction ("0.1"); false with a reason
    /// when it is neither or lies outside 0..100 %.
    /// </summary>
    public static bool TryParseRate(string text, out double rate, out string? error)
    {
        error = null;
        string t = text.Trim();
        bool percent = t.EndsWith('%');
        if (percent) t = t[..^1];
        if (!double.TryParse(t, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out rate))
        {
            error = $"'{text}' is not a rate (write 10% or 0.1)";
            return false;
        }
        if (percent) rate /= 100;
        else if (rate > 1)
        {
            error = $"'{text}' is more than 1 (write a percentage as {text}%)";
            return false;
        }
        if (rate > 1)
        {
            error = $"'{text}' is more than 100%";
            return false;
        }
        return true;
    }
}

/// <summary>What an impaired link did, per direction.</summary>
public sealed class ImpairmentCounts
{
    public long Offered, Delivered, Lost, Duplicated, Reordered, Corrupted;

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Offered} offered, {Lost} lost, {Duplicated} duplicated, {Reordered} reordered, {Corrupted} corrupted");
}

/// <summary>
/// One direction of an impaired link: packets go in with the time they were sent and come out
/// when they are due, in order of delivery (ties in the order they went in). Each direction has
/// its own random stream (the seed and the stream number), so what one direction does never
/// shifts the other's fates. Used by the peer's commands on the real clock and by the tests on a
/// virtual one.
/// </summary>
public sealed class ImpairedPath
{
    readonly ImpairmentSettings _settings;
    readonly Random _random;
    readonly PriorityQueue<Held, (long Due, long Order)> _queue = new();
    long _order;

    /// <summary>A packet on its way, and what happened to it.</summary>
    public readonly record struct Held(byte[] Bytes, bool Duplicate, bool Reordered, bool Corrupted);

    public ImpairedPath(ImpairmentSettings settings, int stream)
    {
        _settings = settings;
        _random = new Random(unchecked(settings.Seed * 31 + stream));
    }

    public ImpairmentSettings Settings => _settings;
    public ImpairmentCounts Counts { get; } = new();

    /// <summary>Packets still on their way.</summary>
    public int InFlight => _queue.Count;

    /// <summary>When the next packet comes out; long.MaxValue when none is on its way.</summary>
    public long NextDue => _queue.TryPeek(out _, out var key) ? key.Due : long.MaxValue;

    /// <summary>
    /// Sends one packet at time now: it is lost, or comes out once or twice (a duplicate), each
    /// copy perhaps held back (reordered) or with one bit flipped (corrupted). Returns false when lost.
    /// </summary>
    public bool Send(long now, byte[] packet, int offset, int length)
    {
        Counts.Offered++;
        // Every draw is made whatever the outcome, so one packet's fate does not shift the next one's.
        bool lose = _random.NextDouble() < _settings.Loss;
        bool duplicate = _random.NextDouble() < _settings.Duplicate;
        if (lose)
        {
            Counts.Lost++;
            return false;
        }
        Enqueue(now, packet, offset, length, false);
        if (duplicate)
        {
            Counts.Duplicated++;
            Enqueue(now, packet, offset, length, true);
        }
        return true;
    }

    void Enqueue(long now, byte[] packet, int offset, int length, bool duplicate)
    {
        byte[] copy = packet.AsSpan(offset, length).ToArray();
        bool reorder = _random.NextDouble() < _settings.Reorder;
        bool corrupt = _random.NextDouble() < _settings.Corrupt;
        int hold = _random.Next(1, _settings.Span + 1);
        int bit = _random.Next(length * 8);
        long due = now + _settings.DelayMs;
        // A duplicate comes a little after the original, as a copy made by a retrying link layer would.
        if (reorder || duplicate) due += hold;
        if (reorder) Counts.Reordered++;
        if (corrupt && length > 0)
        {
            copy[bit / 8] ^= (byte)(1 << (bit % 8));
            Counts.Corrupted++;
        }
        _queue.Enqueue(new Held(copy, duplicate, reorder, corrupt), (due, _order++));
    }

    /// <summary>Takes the next packet due at or before now.</summary>
    public bool TryTake(long now, out Held packet)
    {
        if (_queue.TryPeek(out packet, out var key) && key.Due <= now)
        {
            _queue.Dequeue();
            Counts.Delivered++;
            return true;
        }
        packet = default;
        return false;
    }

    /// <summary>Forgets every packet on its way (the link went down).</summary>
    public void Clear() => _queue.Clear();
}
