using System.Runtime.InteropServices;
using NanoTcp.Board;

// The virtual board from the command line: `dotnet run --project boards/host -- --link 127.0.0.1:9293 --serial pty`.
// Exit codes: 0 stopped by Ctrl+C or SIGTERM, 1 the device loop failed, 2 bad configuration.

BoardOptions? options = BoardOptions.Parse(args, out string? error, out bool help);
if (help)
{
    Console.Out.Write(BoardOptions.Usage);
    return 0;
}
if (options == null)
{
    Console.Error.WriteLine("error: " + error);
    return 2;
}

using var stop = new CancellationTokenSource();
void RequestStop(PosixSignalContext context)
{
    context.Cancel = true; // we stop ourselves, cleanly
    stop.Cancel();
}
using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, RequestStop);
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, RequestStop);

VirtualBoard board;
try
{
    board = VirtualBoard.Start(options);
}
catch (BoardException e)
{
    Console.Error.WriteLine("error: " + e.Message);
    return 2;
}
catch (OutOfMemoryException)
{
    // Every connection's buffers are allocated at start-up; a receive buffer may be up to 1 GB.
    var tcp = options.Device.Tcp;
    Console.Error.WriteLine($"error: not enough memory for {tcp.Capacity} connections with {tcp.RcvBuf} + {tcp.SndBuf} buffer bytes each (--capacity, --rcv-buf, --snd-buf)");
    return 2;
}

using (board)
{
    Console.Error.WriteLine($"link: udp {board.LinkEndPoint}");
    if (board.SerialPath != null) Console.Error.WriteLine($"serial: {board.SerialPath}");
    WaitHandle.WaitAny(new[] { stop.Token.WaitHandle, board.Stopped });
}
if (board.Failure != null)
{
    Console.Error.WriteLine("error: " + board.Failure);
    return 1;
}
Console.Error.WriteLine("stopped");
return 0;
