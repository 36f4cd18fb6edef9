namespace SalesScorecard.Processes;

/// <summary>How a program ended: its exit code and what it wrote.</summary>
internal sealed record ProcessResult(int ExitCode, string StandardOutput, string StandardError)
{
    private static readonly Dictionary<int, string> SignalNames = new()
    {
        [1] = "SIGHUP", [2] = "SIGINT", [6] = "SIGABRT", [9] = "SIGKILL", [11] = "SIGSEGV", [13] = "SIGPIPE", [15] = "SIGTERM",
    };

    /// <summary>The signal that killed the program, when its exit code says so.</summary>
    public int? KilledBy => !OperatingSystem.IsWindows() && SignalNames.ContainsKey(ExitCode - 128) ? ExitCode - 128 : null;

    /// <summary>
    /// Why <paramref name="program"/> failed, in words: .NET reports a child killed by signal N as exit code 128 + N,
    /// which an admin would otherwise have to decode (137: killed, often by the out-of-memory killer).
    /// </summary>
    public string DescribeFailure(string program)
    {
        var how = KilledBy is { } signal
            ? $"{program} was killed by signal {signal} ({SignalNames[signal]}{(signal == 9 ? ": the out-of-memory killer, a time limit or an admin" : "")})"
            : $"{program} failed (exit code {ExitCode})";
        return StandardError.Length > 0 ? $"{how}: {StandardError}" : $"{how}.";
    }
}
