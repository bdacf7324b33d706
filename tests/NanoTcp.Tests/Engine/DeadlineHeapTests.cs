using NanoTcp;

namespace NanoTcp.Tests.Engine;

/// <summary>The timer heap: slots keyed by their earliest deadline, checked against a plain dictionary.</summary>
public class DeadlineHeapTests
{
    const long Never = DeadlineHeap.Never;

    [Fact]
    public void EmptyHeap()
    {
        var h = new DeadlineHeap(4);
        Assert.Equal(0, h.Count);
        Assert.Equal(Never, h.MinDeadline);
        Assert.Equal(-1, h.MinSlot);
        Assert.Equal(Never, h.DeadlineOf(3));
    }

    [Fact]
    public void MinimumIsTheEarliestDeadline()
    {
        var h = new DeadlineHeap(8);
        h.Set(3, 500);
        h.Set(5, 100);
        h.Set(1, 300);
        Assert.Equal(3, h.Count);
        Assert.Equal(100, h.MinDeadline);
        Assert.Equal(5, h.MinSlot);
        Assert.Equal(300, h.DeadlineOf(1));
    }

    [Fact]
    public void UpdatingASlotEarlierOrLater()
    {
        var h = new DeadlineHeap(8);
        h.Set(0, 100);
        h.Set(1, 200);
        h.Set(2, 300);

        h.Set(2, 50); // earlier: becomes the minimum
        Assert.Equal(2, h.MinSlot);
        Assert.Equal(50, h.MinDeadline);

        h.Set(2, 1000); // later: the next one takes over
        Assert.Equal(0, h.MinSlot);
        Assert.Equal(100, h.MinDeadline);

        h.Set(0, 250); // the minimum moves down past slot 1
        Assert.Equal(1, h.MinSlot);
        Assert.Equal(3, h.Count); // updates never add entries
    }

    [Fact]
    public void RemovingWithNever()
    {
        var h = new DeadlineHeap(8);
        h.Set(4, 10);
        h.Set(6, 20);
        h.Set(4, Never);
        Assert.Equal(1, h.Count);
        Assert.Equal(6, h.MinSlot);
        Assert.Equal(Never, h.DeadlineOf(4));

        h.Set(4, Never); // removing an absent slot is harmless
        h.Set(7, Never);
        Assert.Equal(1, h.Count);

        h.Set(6, Never);
        Assert.Equal(0, h.Count);
        Assert.Equal(-1, h.MinSlot);
        Assert.Equal(Never, h.MinDeadline);

        h.Set(4, 30); // and a removed slot can come back
        Assert.Equal(4, h.MinSlot);
        Assert.Equal(1, h.Count);
    }

    [Fact]
    public void DrainingGivesNonDecreasingDeadlines()
    {
        var rng = new Random(1);
        var h = new DeadlineHeap(64);
        for (int s = 0; s < 64; s++) h.Set(s, rng.Next(1000));
        long last = long.MinValue;
        var seen = new HashSet<int>();
        while (h.Count > 0)
        {
            Assert.True(h.MinDeadline >= last);
            last = h.MinDeadline;
            Assert.True(seen.Add(h.MinSlot));
            h.Set(h.MinSlot, Never);
        }
        Assert.Equal(64, seen.Count);
    }

    [Fact]
    public void RandomOperationsMatchAReferenceModel()
    {
        const int Slots = 64;
        var rng = new Random(6298);
        var h = new DeadlineHeap(Slots);
        var model = new Dictionary<int, long>();

        for (int op = 0; op < 10000; op++)
        {
            int slot = rng.Next(Slots);
            long deadline;
            switch (rng.Next(5))
            {
                case 0: deadline = Never; break;                         // remove
                case 1: deadline = rng.Next(16); break;                  // many ties
                case 2: deadline = long.MaxValue - 1 - rng.Next(4); break; // just below Never
                default: deadline = rng.NextInt64(-1000, 1_000_000); break;
            }
            h.Set(slot, deadline);
            if (deadline == Never) model.Remove(slot); else model[slot] = deadline;

            Assert.Equal(model.Count, h.Count);
            if (model.Count == 0)
            {
                Assert.Equal(Never, h.MinDeadline);
                Assert.Equal(-1, h.MinSlot);
                continue;
            }
            long min = model.Values.Min();
            Assert.Equal(min, h.MinDeadline);
            Assert.True(model.TryGetValue(h.MinSlot, out long d) && d == min, $"op {op}: MinSlot {h.MinSlot} is not a minimum");
            Assert.Equal(model.TryGetValue(slot, out long mine) ? mine : Never, h.DeadlineOf(slot));
        }
    }
}
