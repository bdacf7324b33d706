using System;

namespace NanoTcp.Esp32
{
    /// <summary>The serial log: Console.WriteLine reaches UART0 (115200 8N1) when no debugger is attached.</summary>
    sealed class ConsoleSerial : ILogSink
    {
        public void WriteLine(char[] line, int length)
        {
            Console.WriteLine(new string(line, 0, length));
        }
    }
}
