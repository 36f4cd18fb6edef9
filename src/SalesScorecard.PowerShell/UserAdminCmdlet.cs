using System.Collections;
using System.Management.Automation;
using SalesScorecard.Settings;
using SalesScorecard.Users;

namespace SalesScorecard.PowerShell;

/// <summary>
/// What the user cmdlets share: -DatabaseUrl, and one connection with prepared statements for the whole pipeline,
/// opened on the first record and closed at the end (or on Ctrl+C).
/// </summary>
public abstract class UserAdminCmdlet : ScorecardDatabaseCmdlet
{
    private UserStore? _store;
    private string _where = "";

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? DatabaseUrl { get; set; }

    /// <summary>The pipeline's connection, opened on first use (on the pipeline thread: it writes warnings).</summary>
    protected UserStore Store
    {
        get
        {
            if (_store is null)
            {
                var url = LoadSettings(new Dictionary<string, string?> { [SettingNames.DatabaseUrl] = DatabaseUrl }).GetDatabaseUrl();
                _store = RunQuick(ct => UserStore.OpenAsync(url, ct));
                _where = $" in database '{url.Database}' on {url.Host}:{url.Port}";
            }

            return _store;
        }
    }

    protected override void EndProcessing() => CloseStore();

    // Also after a terminating error or Ctrl+C, when EndProcessing does not run.
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            CloseStore();
        }

        base.Dispose(disposing);
    }

    /// <summary>
    /// What a ShouldProcess target adds so that -WhatIf and -Confirm name the database and server that would change
    /// (" in database 'x' on host:port"); set once <see cref="Store"/> is open.
    /// </summary>
    protected string InDatabase => _where;

    /// <summary>Checks a change, asks ShouldProcess, applies it; a failure is this record's error only.</summary>
    protected void ChangeUser(UserChangeRequest request, bool passThru) => RunForRecord(() =>
    {
        var store = Store;
        var plan = RunQuick(ct => store.PlanAsync(request, ct));
        if (plan.Changes.Count == 0)
        {
            WriteVerbose($"NoChange: user {plan.User.Email} ({plan.User.Id}) already has these values.");
            if (passThru)
            {
                WriteObject(plan.User);
            }

            return;
        }

        if (ShouldProcess(plan.Describe() + InDatabase, "Update user"))
        {
            var updated = RunQuick(ct => store.ApplyAsync(plan, ct));
            if (passThru)
            {
                WriteObject(updated);
            }
        }
    });

    /// <summary>Runs one record's work; its failure is reported as <see cref="ReportRecordFailure"/> says.</summary>
    protected void RunForRecord(Action body)
    {
        try
        {
            body();
        }
        catch (ScorecardException e)
        {
            ReportRecordFailure(e);
        }
    }

    /// <summary>A record's own failure goes to the error stream and the pipeline goes on; without the database, it ends.</summary>
    protected void ReportRecordFailure(ScorecardException e)
    {
        if (new[] { ScorecardErrors.DatabaseUnreachable, ScorecardErrors.DatabaseAuthenticationFailed, ScorecardErrors.DatabaseNotFound,
                ScorecardErrors.DatabaseUrlMissing, ScorecardErrors.InvalidDatabaseUrl, ScorecardErrors.UsersTableNotFound }.Contains(e.Error))
        {
            ThrowScorecardError(e);
        }

        WriteScorecardError(e);
    }

    private void CloseStore()
    {
        var store = Interlocked.Exchange(ref _store, null);
        store?.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }
}
