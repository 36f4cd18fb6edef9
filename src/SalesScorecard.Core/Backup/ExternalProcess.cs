using System.Diagnostics;
using System.Text;

namespace SalesScorecard.Backup;

public sealed record ProcessResult(int ExitCode, string StandardOutput, string StandardError);

/// <summary>
/// Runs pg_dump and pg_restore: arguments as a list (never a shell), output captured, killed on cancel, and dying with
/// this process where the OS allows (<see cref="ChildLifetime"/>).
/// </summary>
public static class ExternalProcess
{
    /// <param name="environment">Variables to set; a null value removes the variable from the child's environment.</param>
    /// <param name="feedInput">Writes the child's standard input, which is then closed; null for none.</param>
    public static async Task<ProcessResult> RunAsync(
        string program,
        IEnumerable<string> arguments,
        IReadOnlyDictionary<string, string?> environment,
        CancellationToken cancellationToken,
        Func<Stream, CancellationToken, Task>? feedInput = null)
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

        using var process = new Process { StartInfo = start };
        var output = new StringBuilder();
        var error = new StringBuilder();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (output) { output.AppendLine(e.Data); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (error) { error.AppendLine(e.Data); } } };
        await ChildLifetime.StartAsync(process).ConfigureAwait(false);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            if (feedInput is not null)
            {
                await feedInput(process.StandardInput.BaseStream, cancellationToken).ConfigureAwait(false);
            }

            process.StandardInput.Close();
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            throw;
        }

        // WaitForExitAsync returns once the output streams are drained too.
        return new ProcessResult(process.ExitCode, output.ToString(), error.ToString().Trim());
    }
}
