using System.CommandLine;
using Nanotcp.Monitor;
using Nanotcp.Serial;

namespace Nanotcp.Commands;

/// <summary>
/// <c>nanotcp monitor --serial PATH [--baud N] [--format text|json]</c>: follows a device's serial
/// log and prints it in aligned columns, one colour per connection, until Ctrl+C or the end of
/// the log.
/// </summary>
public static class MonitorCommand
{
    public const int ExitOk = 0;
    public const int ExitFailed = 1;
    public const int ExitUsage = 2;

    public static Command Create()
    {
        var serial = CommonOptions.Serial("The device's serial port (/dev/ttyUSB0, the virtual board's /dev/pts/N), a saved log file, or - for standard input");
        serial.Required = true;
        var baud = CommonOptions.Baud();
        var format = CommonOptions.Format("text: aligned and coloured columns; json: one JSON object per line");
        var command = new Command("monitor", "Print a device's serial log, aligned, one colour per connection")
        {
            serial, baud, format,
        };
        CommonOptions.Examples(command,
            "nanotcp monitor --serial /dev/ttyUSB0                 # an ESP32 at 115200 baud",
            "nanotcp monitor -s /dev/pts/3 --format json           # the virtual board's log, one JSON object per line",
            "nanotcp monitor -s - < board.log                      # a saved log");
        command.SetAction(parseResult =>
        {
            using var stop = new CancellationTokenSource();
            // Ctrl+C ends the monitor cleanly: the port is closed and the exit code is 0.
            ConsoleCancelEventHandler onCancel = (_, e) => { e.Cancel = true; stop.Cancel(); };
            Console.CancelKeyPress += onCancel;
            try
            {
                return Run(parseResult.GetValue(serial)!, parseResult.GetValue(baud), parseResult.GetValue(format) == "json",
                    parseResult.InvocationConfiguration.Output, parseResult.InvocationConfiguration.Error, Ansi.ShouldColour(Console.IsOutputRedirected), stop.Token);
            }
            finally
            {
                Console.CancelKeyPress -= onCancel;
            }
        });
        return command;
    }

    /// <summary>
    /// Reads and prints until the end of the log or until stop; returns the exit code.
    /// <paramref name="opened"/> is called once the port is open: opening a serial port resets it
    /// and may discard what was waiting, so a writer that must not lose a line waits for it.
    /// </summary>
    public static int Run(string path, int baud, bool json, TextWriter output, TextWriter error, bool colour, CancellationToken stop, Action? opened = null)
    {
        SerialLineReader reader;
        try
        {
            reader = SerialLineReader.Open(path, baud);
        }
        catch (SerialException e)
        {
            error.WriteLine($"nanotcp monitor: {e.Message}");
            return ExitUsage;
        }
        reader.Notice = message => { error.WriteLine($"nanotcp monitor: {message}"); error.Flush(); };
        opened?.Invoke();
        using (reader)
        {
            var formatter = new LogFormatter(colour);
            if (!json)
            {
                output.WriteLine(formatter.Header());
                output.Flush();
            }
            try
            {
                while (reader.ReadLine(stop) is string text)
                {
                    LogLine line = LogLine.Parse(text);
                    output.WriteLine(json ? LogJson.Format(line) : formatter.Format(line));
                    output.Flush(); // a monitor is read as it happens
                }
            }
            catch (SerialException e)
            {
                error.WriteLine($"nanotcp monitor: {e.Message}");
                return ExitFailed;
            }
            catch (IOException)
            {
                return ExitOk; // stdout closed (piped into head): nothing more to do
            }
        }
        return ExitOk;
    }
}
