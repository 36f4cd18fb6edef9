using System.Collections.Concurrent;
using System.Management.Automation;
using System.Runtime.InteropServices;
using SalesScorecard.Settings;

namespace SalesScorecard.PowerShell;

/// <summary>
/// What every SalesScorecard cmdlet does: read the settings (with -EnvFile), cancel its work on Ctrl+C, and turn
/// <see cref="ScorecardException"/> into ErrorRecords with stable ids.
/// </summary>
public abstract class ScorecardCmdlet : PSCmdlet, IDisposable
{
    // What a shell reports for a process ended by SIGTERM (128 + 15); systemd and cron see a stop, not a success.
    private const int TerminatedExitCode = 143;

    private readonly CancellationTokenSource _stopping = new();
    private volatile bool _terminated;

    /// <summary>The .env file to read, whose values beat the environment's; default: $env:SCORECARD_ENV_FILE, else ./.env when present (those lose to the environment).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? EnvFile { get; set; }

    protected CancellationToken CancellationToken => _stopping.Token;

    /// <summary>User and password that override those in DATABASE_URL; only a cmdlet that connects has them.</summary>
    private protected virtual System.Net.NetworkCredential? DatabaseCredential => null;

    protected override void StopProcessing() => _stopping.Cancel();

    public void Dispose()
    {
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    /// <summary>PowerShell disposes a cmdlet when its pipeline ends, however it ends.</summary>
    protected virtual void Dispose(bool disposing)
    {
        if (disposing)
        {
            _stopping.Dispose();
        }
    }

    /// <summary>
    /// ShouldProcess, except that a prompt the host cannot show (pwsh -NonInteractive, a host without a UI) ends with
    /// ConfirmationRequired, saying to add -Confirm:$false, instead of the host's exception. It hides the two overloads
    /// the cmdlets use, so that a call in a cmdlet reaches this one; call it inside RunOrThrow so that the error keeps its id.
    /// </summary>
    protected new bool ShouldProcess(string target, string action) => Confirming($"'{action}' on {target}", target, () => base.ShouldProcess(target, action));

    /// <inheritdoc cref="ShouldProcess(string, string)"/>
    protected new bool ShouldProcess(string description, string warning, string caption, out ShouldProcessReason reason)
    {
        var why = ShouldProcessReason.None;
        var answer = Confirming($"'{description}'", description, () => base.ShouldProcess(description, warning, caption, out why));
        reason = why;
        return answer;
    }

    private static bool Confirming(string what, string target, Func<bool> ask)
    {
        try
        {
            return ask();
        }
        // NonInteractive pwsh throws PSInvalidOperationException; a host without a UI (a bare runspace) throws
        // HostException or NotImplementedException, and some hosts a NullReferenceException from their missing UI.
        catch (Exception e) when (e is PSInvalidOperationException or System.Management.Automation.Host.HostException or NullReferenceException or NotImplementedException)
        {
            throw new ScorecardException(ScorecardErrors.ConfirmationRequired,
                $"{what} needs a confirmation this PowerShell cannot ask for (pwsh -NonInteractive, or a host without prompts); nothing was done. " +
                "Add -Confirm:$false to go ahead, or -WhatIf to see what it would do.", target, e);
        }
    }

    /// <summary>The current PowerShell location as a file system path.</summary>
    protected string CurrentDirectory => SessionState.Path.CurrentFileSystemLocation.ProviderPath;

    /// <summary>
    /// A path parameter as a full file system path, resolved against the current PowerShell location; an s3:// address
    /// (a backup store) is taken as it is.
    /// </summary>
    protected string? ProviderPath(string? path) =>
        path is null ? null : Offsite.OffsiteLocation.IsOffsite(path) ? path : GetUnresolvedProviderPathFromPSPath(path);

    /// <summary>
    /// Resolves the settings; <paramref name="parameters"/> maps setting names to bound parameter values.
    /// Malformed .env lines become warnings naming file and line, never the value.
    /// </summary>
    protected ScorecardSettings LoadSettings(IReadOnlyDictionary<string, string?>? parameters = null)
    {
        var envFile = ScorecardSettings.LocateEnvFile(
            EnvFile is null ? null : GetUnresolvedProviderPathFromPSPath(EnvFile),
            Environment.GetEnvironmentVariable,
            CurrentDirectory);
        var settings = ScorecardSettings.Load(parameters ?? new Dictionary<string, string?>(), Environment.GetEnvironmentVariable, envFile, DatabaseCredential);
        foreach (var warning in settings.EnvFile?.Warnings ?? [])
        {
            WriteWarning(warning.ToString());
        }

        foreach (var name in settings.OverriddenEnvironment)
        {
            WriteWarning($"{name} is set in the environment too; the value in {envFile!.Path} (-EnvFile) is used.");
        }

        WriteVerbose(envFile is null ? "No .env file was found; using the environment and defaults." : $"Settings file: {envFile.Path}");
        return settings;
    }

    /// <summary>
    /// Runs Core's async work on a worker thread while this (the pipeline) thread writes its progress, verbose and
    /// warning messages, which PowerShell accepts only here. Ctrl+C cancels the work and stops the pipeline.
    /// </summary>
    protected T Run<T>(Func<IOperationReporter, CancellationToken, Task<T>> work)
    {
        // SIGTERM (systemd stop, a cron time limit, a shutdown) is handled as Ctrl+C is: the work is cancelled and
        // cleans up (kills pg_dump, removes the partial folder and the password file, logs FAILED). Only a scheduled
        // line, which opts in, then ends pwsh: any other host (VS Code, a runspace) stays alive.
        using var sigterm = RegisterSigterm();
        try
        {
            return Pump(work);
        }
        finally
        {
            if (_terminated && Environment.GetEnvironmentVariable(Scheduling.ScheduleRequest.ExitOnSigtermVariable) == "1")
            {
                Environment.Exit(TerminatedExitCode);
            }
        }
    }

    private PosixSignalRegistration? RegisterSigterm()
    {
        try
        {
            return PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
            {
                context.Cancel = true;
                _terminated = true;
                _stopping.Cancel();
            });
        }
        catch (PlatformNotSupportedException)
        {
            return null;
        }
    }

    /// <summary>
    /// Runs a Core job as <see cref="Run{T}"/> runs Core's work, answering its questions (ShouldProcess, -WhatIf,
    /// -Confirm) on this thread.
    /// </summary>
    private protected T RunJob<T>(Func<Jobs.IJobHost, CancellationToken, Task<T>> job) => Run((reporter, ct) => job((PipelineReporter)reporter, ct));

    private T Pump<T>(Func<IOperationReporter, CancellationToken, Task<T>> work)
    {
        using var messages = new BlockingCollection<Action>();
        var reporter = new PipelineReporter(this, messages);
        var task = Task.Run(() => work(reporter, CancellationToken));
        task.ContinueWith(_ => messages.CompleteAdding(), TaskScheduler.Default);
        try
        {
            foreach (var write in messages.GetConsumingEnumerable())
            {
                write();
            }
        }
        catch
        {
            // A write threw (the pipeline was stopped, or -WarningAction Stop): stop the work and let it clean up
            // (kill pg_dump, remove a partial folder) before anything, such as the backup lock, is released.
            _stopping.Cancel();
            ((IAsyncResult)task).AsyncWaitHandle.WaitOne();
            throw;
        }

        reporter.Complete();
        try
        {
            return task.GetAwaiter().GetResult();
        }
        catch (OperationCanceledException) when (CancellationToken.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }
    }

    /// <summary>
    /// Runs a short Core call (a query or two) straight on the pipeline thread, without the message pump: for work that
    /// reports nothing and runs once per pipeline record.
    /// </summary>
    protected T RunQuick<T>(Func<CancellationToken, Task<T>> work)
    {
        try
        {
            return work(CancellationToken).GetAwaiter().GetResult();
        }
        catch (OperationCanceledException) when (CancellationToken.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }
    }

    /// <inheritdoc cref="ScorecardException.From"/>
    protected static ScorecardException AsScorecardFailure(Exception e, ScorecardError error) => ScorecardException.From(e, error);

    protected static ErrorRecord ToErrorRecord(ScorecardException e) => new(e, e.ErrorId, ToErrorCategory(e.Category), e.Target);

    /// <summary>Every category has its PowerShell counterpart: a category added without one does not compile (CS8509).</summary>
#pragma warning disable CS8524 // Only the named categories exist: Core never casts a number to one.
    private static ErrorCategory ToErrorCategory(ScorecardErrorCategory category) => category switch
    {
        ScorecardErrorCategory.NotSpecified => ErrorCategory.NotSpecified,
        ScorecardErrorCategory.ConnectionError => ErrorCategory.ConnectionError,
        ScorecardErrorCategory.AuthenticationError => ErrorCategory.AuthenticationError,
        ScorecardErrorCategory.ObjectNotFound => ErrorCategory.ObjectNotFound,
        ScorecardErrorCategory.InvalidArgument => ErrorCategory.InvalidArgument,
        ScorecardErrorCategory.InvalidData => ErrorCategory.InvalidData,
        ScorecardErrorCategory.InvalidOperation => ErrorCategory.InvalidOperation,
        ScorecardErrorCategory.PermissionDenied => ErrorCategory.PermissionDenied,
        ScorecardErrorCategory.SecurityError => ErrorCategory.SecurityError,
        ScorecardErrorCategory.ResourceExists => ErrorCategory.ResourceExists,
        ScorecardErrorCategory.ResourceBusy => ErrorCategory.ResourceBusy,
        ScorecardErrorCategory.ResourceUnavailable => ErrorCategory.ResourceUnavailable,
        ScorecardErrorCategory.OperationTimeout => ErrorCategory.OperationTimeout,
        ScorecardErrorCategory.OperationStopped => ErrorCategory.OperationStopped,
        ScorecardErrorCategory.WriteError => ErrorCategory.WriteError,
        ScorecardErrorCategory.ReadError => ErrorCategory.ReadError,
        ScorecardErrorCategory.LimitsExceeded => ErrorCategory.LimitsExceeded,
    };
#pragma warning restore CS8524

    /// <summary>For a failure after which the cmdlet can do nothing more.</summary>
    protected void ThrowScorecardError(ScorecardException e) => ThrowTerminatingError(ToErrorRecord(e));

    /// <summary>Runs a cmdlet body after whose failure nothing more can be done: a ScorecardException ends the cmdlet.</summary>
    protected void RunOrThrow(Action body) => RunOrThrow(() =>
    {
        body();
        return true;
    });

    /// <inheritdoc cref="RunOrThrow(Action)"/>
    protected T RunOrThrow<T>(Func<T> body)
    {
        try
        {
            return body();
        }
        catch (ScorecardException e)
        {
            ThrowScorecardError(e);
            throw; // Not reached: ThrowTerminatingError always throws, which the compiler cannot know.
        }
    }

    /// <summary>For a failure of one input record; the pipeline goes on with the next.</summary>
    protected void WriteScorecardError(ScorecardException e) => WriteError(ToErrorRecord(e));

    private sealed class PipelineReporter(ScorecardCmdlet cmdlet, BlockingCollection<Action> messages) : Jobs.IJobHost
    {
        private readonly int _activityId = Math.Abs(cmdlet.GetHashCode() % 100000);
        private bool _shown;

        public void Progress(string stage, string status, int percent) => Post(() =>
        {
            _shown = true;
            cmdlet.WriteProgress(new ProgressRecord(_activityId, $"{cmdlet.MyInvocation.MyCommand.Name}: {stage}", status) { PercentComplete = percent });
        });

        public void Verbose(string message) => Post(() => cmdlet.WriteVerbose(message));

        public void Warning(string message) => Post(() => cmdlet.WriteWarning(message));

        public Task<Jobs.JobApproval> ApproveAsync(string operation) => Ask(() =>
            cmdlet.ShouldProcess(operation, $"Are you sure you want to perform this action?\n{operation}", "Confirm", out var reason)
                ? Jobs.JobApproval.Approved
                : reason == ShouldProcessReason.WhatIf ? Jobs.JobApproval.WhatIf : Jobs.JobApproval.Declined);

        public Task<bool> ShouldProcessAsync(string target, string action) => Ask(() => cmdlet.ShouldProcess(target, action));

        /// <summary>
        /// Asks on the pipeline thread. A ScorecardException (ConfirmationRequired) or any other failure is the job's to
        /// report; PowerShell's own (a stopped pipeline) stops the work first, so that the job takes it for a
        /// cancellation, not a failure. Once the work is stopped, a question nobody will answer is cancelled.
        /// </summary>
        private Task<TAnswer> Ask<TAnswer>(Func<TAnswer> question)
        {
            var stopping = cmdlet.CancellationToken;
            var answer = new TaskCompletionSource<TAnswer>(TaskCreationOptions.RunContinuationsAsynchronously);
            var cancelled = stopping.Register(() => answer.TrySetCanceled(stopping));
            answer.Task.ContinueWith(_ => cancelled.Dispose(), TaskScheduler.Default);
            Post(() =>
            {
                if (stopping.IsCancellationRequested)
                {
                    return;
                }

                try
                {
                    answer.TrySetResult(question());
                }
                catch (RuntimeException)
                {
                    cmdlet._stopping.Cancel();
                    throw;
                }
                catch (Exception e)
                {
                    answer.TrySetException(e);
                }
            });
            return answer.Task;
        }

        public void Complete()
        {
            if (_shown)
            {
                cmdlet.WriteProgress(new ProgressRecord(_activityId, cmdlet.MyInvocation.MyCommand.Name, "Done") { RecordType = ProgressRecordType.Completed });
            }
        }

        private void Post(Action write)
        {
            try
            {
                messages.Add(write);
            }
            catch (InvalidOperationException)
            {
                // The work reported after the pump ended (a late progress tick): nothing is waiting for it.
            }
        }
    }
}
