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

        if (ShouldProcess(plan.Describe(), "Update user"))
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

/// <summary>
/// Lets -Active take what a CSV holds: true/false, yes/no, 1/0 (any case); an empty cell means "leave as it is".
/// </summary>
public sealed class FlexibleBooleanAttribute : ArgumentTransformationAttribute
{
    public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
    {
        var value = inputData is PSObject wrapped ? wrapped.BaseObject : inputData;
        return value switch
        {
            string text when string.IsNullOrWhiteSpace(text) => null,
            string text => text.Trim().ToLowerInvariant() switch
            {
                "true" or "yes" or "1" or "$true" => true,
                "false" or "no" or "0" or "$false" => false,
                _ => throw new ArgumentTransformationMetadataException($"'{text}' is not true or false (also accepted: yes/no, 1/0)."),
            },
            _ => value,
        };
    }
}
