using System.Diagnostics;
using System.Text;

namespace SalesScorecard.Processes;

/// <summary>
/// Runs pg_dump and pg_restore: arguments as a list (never a shell), output captured, killed on cancel, and dying with
/// this process where the OS allows (<see cref="ChildLifetime"/>).
/// </summary>
internal static class ExternalProcess
{
    /// <param name="environment">Variables to set; a null value removes the variable from the child's environment.</param>
    /// <param name="feedInput">Writes the child's standard input, which is then closed; null for none.</param>
    /// <param name="readOutput">Reads the child's standard output as bytes (then it is not captured as text); null to capture it.</param>
    public static async Task<ProcessResult> RunAsync(
        string program,
        IEnumerable<string> arguments,
        IReadOnlyDictionary<string, string?> environment,
        CancellationToken cancellationToken,
        Func<Stream, CancellationToken, Task>? feedInput = null,
        Func<Stream, CancellationToken, Task>? readOutput = null)
    {
        using var process = new Process { StartInfo = StartInfo(program, arguments, environment) };
        var output = new StringBuilder();
        var error = new StringBuilder();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (output) { output.AppendLine(e.Data); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (error) { error.AppendLine(e.Data); } } };
        await ChildLifetime.StartAsync(process).ConfigureAwait(false);
        if (readOutput is null)
        {
            process.BeginOutputReadLine();
        }

        process.BeginErrorReadLine();
        var reading = readOutput is null ? Task.CompletedTask : readOutput(process.StandardOutput.BaseStream, cancellationToken);
        try
        {
            await FeedAsync(process, feedInput, cancellationToken).ConfigureAwait(false);
            await reading.ConfigureAwait(false);
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            // Cancelled, or what fed or read the child failed: the child must not outlive the call.
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            await Task.WhenAny(reading).ConfigureAwait(false);
            throw;
        }

        // WaitForExitAsync returns once the output streams are drained too.
        return new ProcessResult(process.ExitCode, output.ToString(), error.ToString().Trim());
    }

    private static ProcessStartInfo StartInfo(string program, IEnumerable<string> arguments, IReadOnlyDictionary<string, string?> environment)
    {
        var start = new ProcessStartInfo
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            CreateNoWindow = true,
        };
        ChildLifetime.Prepare(start, program, arguments);
        foreach (var (name, value) in environment)
        {
            if (value is null)
            {
                start.Environment.Remove(name);
            }
            else
            {
                start.Environment[name] = value;
            }
        }

        return start;
    }

    /// <summary>Writes the child's standard input, if anything is to be fed, and always closes it.</summary>
    private static async Task FeedAsync(Process process, Func<Stream, CancellationToken, Task>? feedInput, CancellationToken cancellationToken)
    {
        try
        {
            if (feedInput is not null)
            {
                await feedInput(process.StandardInput.BaseStream, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (IOException)
        {
            // The child stopped reading its input (a broken pipe): it ended or died, and its exit code says which.
        }
        catch
        {
            // What fed the child failed (a damaged archive, Ctrl+C): kill it before it sees the end of its input,
            // which it would take for the end of a whole archive and, restoring, commit.
            process.Kill(entireProcessTree: true);
            throw;
        }
        finally
        {
            // Whatever happened, the child sees the end of its input and cannot wait for more. The pipe itself is
            // closed, not its writer, whose flush would throw again on a broken pipe.
            process.StandardInput.BaseStream.Dispose();
        }
    }
}
