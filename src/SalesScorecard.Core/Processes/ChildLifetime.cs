using System.Collections.Concurrent;
using System.Diagnostics;

namespace SalesScorecard.Processes;

/// <summary>
/// Makes pg_dump and pg_restore die with this process, also when it is killed outright (SIGKILL, a cron time limit):
/// on Linux each is started through util-linux <c>setpriv --pdeathsig KILL</c>, which sets PR_SET_PDEATHSIG and then
/// execs the program. Where setpriv is missing (macOS, Windows, a minimal image) children start as before, and only a
/// cancelled or SIGTERM-stopped run kills them.
/// </summary>
internal static class ChildLifetime
{
    private static readonly string? SetPriv = OperatingSystem.IsLinux()
        ? new[] { "/usr/bin/setpriv", "/bin/setpriv" }.FirstOrDefault(File.Exists)
        : null;

    // PR_SET_PDEATHSIG fires when the *thread* that forked the child exits, and .NET forks on the calling thread, which
    // may be a thread-pool thread that retires while the child still runs. So every child is started from this one
    // thread, which lives as long as the process.
    private static readonly BlockingCollection<(Process Process, TaskCompletionSource Started)> Requests = StartLauncher();

    /// <summary>Fills in <paramref name="start"/> to run <paramref name="program"/> with <paramref name="arguments"/>.</summary>
    public static void Prepare(ProcessStartInfo start, string program, IEnumerable<string> arguments)
    {
        // Only a program we can see is executable: otherwise .NET's own error (not found, not executable) says why.
        var wrap = SetPriv is not null && OperatingSystem.IsLinux() && Path.IsPathFullyQualified(program) && File.Exists(program) &&
                   (File.GetUnixFileMode(program) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0;
        start.FileName = wrap ? SetPriv! : program;
        if (wrap)
        {
            foreach (var argument in new[] { "--pdeathsig", "KILL", "--", program })
            {
                start.ArgumentList.Add(argument);
            }
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
    }

    /// <summary>Starts the process on the launcher thread.</summary>
    public static Task StartAsync(Process process)
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Requests.Add((process, started));
        return started.Task;
    }

    private static BlockingCollection<(Process, TaskCompletionSource)> StartLauncher()
    {
        var requests = new BlockingCollection<(Process, TaskCompletionSource)>();
        var launcher = new Thread(() =>
        {
            foreach (var (process, started) in requests.GetConsumingEnumerable())
            {
                try
                {
                    process.Start();
                    started.SetResult();
                }
                catch (Exception e)
                {
                    started.SetException(e);
                }
            }
        })
        {
            IsBackground = true,
            Name = "SalesScorecard child process launcher",
        };
        launcher.Start();
        return requests;
    }
}
