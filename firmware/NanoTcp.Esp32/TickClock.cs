using System;
using NanoTcp.Device;

namespace NanoTcp.Esp32
{
    /// <summary>Milliseconds since the chip started (nanoFramework.Runtime.Native's Environment.TickCount64).</summary>
    sealed class TickClock : IClock
    {
        public long NowMs()
        {
            return Environment.TickCount64;
        }
    }
}
