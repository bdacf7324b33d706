using System.Net;
using NanoTcp.Device;

namespace NanoTcp.Board;

/// <summary>Where the serial log goes.</summary>
public enum SerialKind
{
    /// <summary>A pseudo-terminal (/dev/pts/N) that picocom or screen can attach to.</summary>
    Pty,
    /// <summary>Standard output.</summary>
    Stdout,
    /// <summary>Nowhere but the in-process observer (tests, the desktop peer).</summary>
    None,
}

/// <summary>The virtual board's configuration: the link socket, the serial port and the device settings.</summary>
public sealed class BoardOptions
{
    public const string DefaultLink = "127.0.0.1:9293";

    /// <summary>The UDP address and port the link binds (port 0: any free port).</summary>
    public IPEndPoint Link { get; set; } = IPEndPoint.Parse(DefaultLink);

    public SerialKind Serial { get; set; } = OperatingSystem.IsLinux() || OperatingSystem.IsMacOS() ? SerialKind.Pty : SerialKind.Stdout;

    /// <summary>The device's own settings (README "Defaults"); the link port comes from <see cref="Link"/>.</summary>
    public DeviceSettings Device { get; } = new();

    public const string Usage =
        """
        usage: dotnet run --project boards/host -- [options]

        The virtual NanoTcp board: the device application on this machine, TCP inside UDP on the
        link, the state log on a serial port.

          --link ADDRESS:PORT    UDP address and port of the link (default 127.0.0.1:9293; port 0 = any)
          --serial pty|stdout    the serial log on a new pseudo-terminal (default on Linux and macOS;
                                 its path is printed as "serial: /dev/pts/N") or on stdout
          --address A.B.C.D      the device's inner IPv4 address (default 192.0.2.2)
          --capacity N           connections the table holds (default 8); the 5 service listeners
                                 have slots of their own, without buffers
          --msl-ms N             maximum segment lifetime; TIME_WAIT lasts 2*MSL (default 2000)
          --rto-initial-ms N  --rto-min-ms N  --rto-max-ms N  --max-retries N  --syn-max-retries N
          --fin-wait2-timeout-ms N  --keepalive-idle-ms N (0 = off)  --keepalive-interval-ms N
          --keepalive-count N  --rcv-buf N  --snd-buf N  --mss N  --delayed-ack-ms N (under 500)
          --nodelay 0|1 (1 = Nagle off)  --user-timeout-ms N (0 = give up after max-retries)
          --no-connection-lines-per-s N  log lines a second about segments of no connection
                                 (default 20, 0 = all; the rest are counted as SUPPRESSED)
          --farewell-lines N  --farewell-interval-ms N    the farewell service (port 2019)
          -h, --help             this text

        Options also take the form --name=value, and names may use '_' for '-'.
        Messages of the board itself go to stderr; stdout carries only the serial log.
        Send a datagram with the text STATUS to the link port for the connection table.
        """;

    /// <summary>Parses the command line. Returns the options, or null with a one-line error (or null error and help = true).</summary>
    public static BoardOptions? Parse(string[] args, out string? error, out bool help)
    {
        var options = new BoardOptions();
        error = null;
        help = false;
        for (int i = 0; i < args.Length; i++)
        {
            string arg = args[i];
            if (arg is "-h" or "--help") { help = true; return null; }
            if (!arg.StartsWith("--", StringComparison.Ordinal) || arg.Length == 2) { error = $"unexpected argument '{arg}' (see --help)"; return null; }

            string name = arg[2..];
            string? value = null;
            int eq = name.IndexOf('=');
            if (eq >= 0) { value = name[(eq + 1)..]; name = name[..eq]; }
            else if (i + 1 < args.Length) value = args[++i];
            if (value == null) { error = $"--{name} needs a value"; return null; }

            error = options.Set(name.Replace('-', '_'), value);
            if (error != null) return null;
        }
        error = options.Validate();
        return error == null ? options : null;
    }

    /// <summary>Sets one option by name ('_' spelling). Returns null or a one-line reason.</summary>
    public string? Set(string name, string value)
    {
        switch (name)
        {
            case "link":
                if (!IPEndPoint.TryParse(value, out var link) || !value.Contains(':'))
                    return $"--link: '{value}' is not an address:port such as {DefaultLink}";
                Link = link;
                return null;
            case "serial":
                switch (value)
                {
                    case "pty": Serial = SerialKind.Pty; return null;
                    case "stdout": Serial = SerialKind.Stdout; return null;
                    default: return $"--serial: '{value}' is neither pty nor stdout";
                }
            case "link_port":
                return "--link_port: give the port with --link ADDRESS:PORT";
            default:
                if (!DeviceSettings.IsKnown(name)) return $"unknown option --{name.Replace('_', '-')} (see --help)";
                string? bad = Device.Set(name, value);
                return bad == null ? null : $"--{name.Replace('_', '-')}: {bad}";
        }
    }

    /// <summary>Null when the board can start, else a one-line reason.</summary>
    public string? Validate()
    {
        Device.LinkPort = Link.Port;
        string? bad = Device.Validate();
        return bad == null ? null : bad.Replace('_', '-');
    }
}
