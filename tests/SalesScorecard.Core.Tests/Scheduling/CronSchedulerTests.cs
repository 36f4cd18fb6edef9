using System.Runtime.Versioning;
using SalesScorecard.Scheduling;

namespace SalesScorecard.Tests.Scheduling;

/// <summary>A test that needs a Unix shell and file modes (cron's platforms).</summary>
public sealed class UnixFactAttribute : FactAttribute
{
    public UnixFactAttribute()
    {
        if (OperatingSystem.IsWindows())
        {
            Skip = "cron runs on Linux and macOS only";
        }
    }
}

/// <summary>
/// The crontab lines CronScheduler writes. A stand-in <c>crontab</c> program first on PATH keeps the table in a temporary
/// folder, so the machine's real crontab is never read or written; the constructor proves the stand-in is the one run.
/// </summary>
[UnsupportedOSPlatform("windows")]
public sealed class CronSchedulerTests : IDisposable
{
    private const string StandInCrontab = """
        #!/bin/sh
        dir=$(dirname "$0")
        echo "$*" >> "$dir/calls"
        case "$1" in
          -l) if [ -f "$dir/broken" ]; then echo "crontab: cannot open spool" >&2; exit 2; fi
              if [ -f "$dir/table" ]; then cat "$dir/table"; else echo "no crontab for tester" >&2; exit 1; fi ;;
          -) cat > "$dir/table" ;;
          *) exit 2 ;;
        esac
        """;

    private readonly TempFolder _folder = new();
    private readonly string? _path = Environment.GetEnvironmentVariable("PATH");
    private readonly CronScheduler _cron = new();

    public CronSchedulerTests()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var bin = Path.Combine(_folder.Path, "bin");
        MakeProgram(Path.Combine(bin, "crontab"), StandInCrontab);
        Environment.SetEnvironmentVariable("PATH", bin + Path.PathSeparator + _path);
        _cron.ListAsync(null, CancellationToken.None).GetAwaiter().GetResult();
        if (!File.Exists(Calls))
        {
            throw new InvalidOperationException("The stand-in crontab was not the one run; no test may touch the real crontab.");
        }
    }

    private string Calls => Path.Combine(_folder.Path, "bin", "calls");

    private string Table => Path.Combine(_folder.Path, "bin", "table");

    public void Dispose()
    {
        Environment.SetEnvironmentVariable("PATH", _path);
        _folder.Dispose();
    }

    private static void MakeProgram(string path, string script)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, script.ReplaceLineEndings("\n") + "\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    private ScheduleRequest Request(string name = "Nightly", string at = "23:00", string? watchdogAt = "7:30", string destination = "backups", string? pwsh = null) => new()
    {
        Name = name,
        At = ScheduleRequest.ParseTime(at, "At"),
        WatchdogAt = watchdogAt is null ? null : ScheduleRequest.ParseTime(watchdogAt, "WatchdogAt"),
        MaxAge = TimeSpan.FromHours(26),
        EnvFile = "/srv/sales scorecard/.env",
        Destination = Path.Combine(_folder.Path, destination),
        Pwsh = [pwsh ?? "/opt/microsoft/powershell/7/pwsh"],
        ModuleManifest = "/opt/modules/SalesScorecard/SalesScorecard.psd1",
    };

    private string[] TableLines() => File.ReadAllText(Table).Split('\n');

    /// <summary>What cron hands to /bin/sh for a line: after the five time fields, up to the first unescaped '%', "\%" read as '%'.</summary>
    private static string CronCommand(string line)
    {
        var command = line.Split(' ', 6)[5];
        var text = new System.Text.StringBuilder();
        for (var i = 0; i < command.Length && command[i] != '%'; i++)
        {
            if (command[i] == '\\' && i + 1 < command.Length && command[i + 1] == '%')
            {
                i++;
            }

            text.Append(command[i]);
        }

        return text.ToString();
    }

    [UnixFact]
    public async Task RegisterWritesABackupAndAWatchdogLineWithUmaskFirst()
    {
        var request = Request();

        var entries = await _cron.RegisterAsync(request, CancellationToken.None);

        Assert.Equal([("Nightly", ScheduleKind.Backup, "0 23 * * *"), ("Nightly", ScheduleKind.Watchdog, "30 7 * * *")],
            entries.Select(e => (e.Name, e.Kind, e.Schedule)));
        Assert.All(entries, e => Assert.Equal(CronScheduler.Platform, e.Platform));
        var lines = TableLines();
        Assert.Equal(3, lines.Length);
        Assert.Equal("", lines[2]);
        Assert.StartsWith("0 23 * * * umask 077; '/opt/microsoft/powershell/7/pwsh' -NoProfile -NonInteractive -Command '", lines[0], StringComparison.Ordinal);
        Assert.EndsWith($" >> '{request.Destination}/cron.log' 2>&1 # SalesScorecard:Nightly:Backup", lines[0], StringComparison.Ordinal);
        Assert.StartsWith("30 7 * * * umask 077; ", lines[1], StringComparison.Ordinal);
        Assert.EndsWith($" >> '{request.Destination}/watchdog.log' 2>&1 # SalesScorecard:Nightly:Watchdog", lines[1], StringComparison.Ordinal);
        Assert.True(Directory.Exists(request.Destination));
    }

    [UnixFact]
    public async Task TheLineRunsUnderShWithEveryPathIntactAndAnOwnerOnlyLog()
    {
        var argumentsFile = Path.Combine(_folder.Path, "arguments");
        var pwsh = Path.Combine(_folder.Path, "bin", "fake pwsh");
        MakeProgram(pwsh, $"#!/bin/sh\nfor a in \"$@\"; do printf '%s\\0' \"$a\"; done > '{argumentsFile}'\necho ran");
        var request = Request(destination: "it's 100% $(nightly) `x`", pwsh: pwsh);

        await _cron.RegisterAsync(request, CancellationToken.None);
        using var shell = System.Diagnostics.Process.Start("/bin/sh", ["-c", CronCommand(TableLines()[0])]);
        await shell.WaitForExitAsync();

        Assert.Equal(0, shell.ExitCode);
        Assert.Equal(["-NoProfile", "-NonInteractive", "-Command", request.BackupScript()], File.ReadAllText(argumentsFile).TrimEnd('\0').Split('\0'));
        Assert.Contains($"-EnvFile '{request.EnvFile}'", request.BackupScript(), StringComparison.Ordinal);
        var log = Path.Combine(request.Destination, ScheduleRequest.BackupLogName);
        Assert.Equal("ran\n", File.ReadAllText(log));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(log));
    }

    [UnixFact]
    public async Task OtherLinesAreWrittenBackByteForByte()
    {
        const string existing = "MAILTO=admin@example.org\n\n# keep me   \n15 2 * * * /usr/local/bin/other-job >/dev/null 2>&1 # SalesScorecard:Other:Backup\n";
        File.WriteAllText(Table, existing);

        await _cron.RegisterAsync(Request(watchdogAt: null), CancellationToken.None);

        var table = File.ReadAllText(Table);
        Assert.StartsWith(existing, table, StringComparison.Ordinal);
        Assert.Single(table[existing.Length..].TrimEnd('\n').Split('\n'));
    }

    [UnixFact]
    public async Task RegisteringANameAgainReplacesItsLines()
    {
        await _cron.RegisterAsync(Request(name: "Other", at: "1:15"), CancellationToken.None);
        await _cron.RegisterAsync(Request(at: "22:00"), CancellationToken.None);

        await _cron.RegisterAsync(Request(at: "23:45", watchdogAt: null), CancellationToken.None);

        var entries = await _cron.ListAsync(null, CancellationToken.None);
        Assert.Equal([("Other", ScheduleKind.Backup, "15 1 * * *"), ("Other", ScheduleKind.Watchdog, "30 7 * * *"), ("Nightly", ScheduleKind.Backup, "45 23 * * *")],
            entries.Select(e => (e.Name, e.Kind, e.Schedule)));
    }

    [UnixFact]
    public async Task UnregisterRemovesExactlyTheKindsAskedFor()
    {
        await _cron.RegisterAsync(Request(), CancellationToken.None);
        await _cron.RegisterAsync(Request(name: "Nightly2"), CancellationToken.None);

        var watchdog = await _cron.UnregisterAsync("Nightly", [ScheduleKind.Watchdog], CancellationToken.None);
        var rest = await _cron.UnregisterAsync("Nightly", null, CancellationToken.None);

        Assert.Equal(ScheduleKind.Watchdog, Assert.Single(watchdog).Kind);
        Assert.Equal(ScheduleKind.Backup, Assert.Single(rest).Kind);
        Assert.All(await _cron.ListAsync(null, CancellationToken.None), e => Assert.Equal("Nightly2", e.Name));
    }

    [UnixFact]
    public async Task UnregisteringANameThatIsNotThereLeavesTheTableAlone()
    {
        File.WriteAllText(Table, "15 2 * * * job\n");

        Assert.Empty(await _cron.UnregisterAsync("Nightly", null, CancellationToken.None));
        Assert.DoesNotContain("-", File.ReadAllLines(Calls));
    }

    [UnixFact]
    public async Task ListReadsOnlyLiveEntriesOfTheNameAndUnescapesPercent()
    {
        File.WriteAllText(Table,
            "#0 23 * * * old-job # SalesScorecard:Nightly:Backup\n" +
            "0 23 * * * date +\\%F # SalesScorecard:Nightly:Backup\n" +
            "0 1 * * * other # SalesScorecard:Nightly2:Backup\n" +
            "0 2 * * * odd # SalesScorecard:Nightly:Unknown\n");

        var entry = Assert.Single(await _cron.ListAsync("Nightly", CancellationToken.None));

        Assert.Equal(("0 23 * * *", "date +%F"), (entry.Schedule, entry.Command));
    }

    [UnixFact]
    public async Task AControlCharacterInAPathIsRefusedBeforeTheTableIsTouched()
    {
        var error = await Assert.ThrowsAsync<ScorecardException>(() => _cron.RegisterAsync(Request(destination: "a\nb"), CancellationToken.None));

        Assert.Equal("InvalidSchedule", error.ErrorId);
        Assert.DoesNotContain("-", File.ReadAllLines(Calls));
    }

    [UnixFact]
    public async Task AFailingCrontabIsScheduleUnavailableWithItsMessage()
    {
        File.WriteAllText(Path.Combine(_folder.Path, "bin", "broken"), "");

        var error = await Assert.ThrowsAsync<ScorecardException>(() => _cron.ListAsync(null, CancellationToken.None));

        Assert.Equal(("ScheduleUnavailable", ScorecardErrorCategory.ResourceUnavailable), (error.ErrorId, error.Category));
        Assert.Contains("cannot open spool", error.Message, StringComparison.Ordinal);
    }
}
