using System.Globalization;
using MimeKit;
using SalesScorecard.Mail;

namespace SalesScorecard.Tests.Mail;

public sealed class NotificationMessageTests
{
    // 22:30 UTC on 26 November is 00:30 on the 27th in Sofia (UTC+2): the mail's dates are Sofia's.
    private static readonly DateTime LateEvening = new(2026, 11, 26, 22, 30, 0, DateTimeKind.Utc);

    private const string Hostile = "<script>alert('x')</script> & \"co\"";

    private static readonly MailSettings Settings = new()
    {
        Host = "smtp.example.org",
        Port = 587,
        From = MailboxAddress.Parse("Sales Scorecard <noreply@example.org>"),
        Recipients = [MailboxAddress.Parse("admin@example.org"), MailboxAddress.Parse("ops@example.org")],
        Security = SmtpSecurity.StartTls,
        Timeout = TimeSpan.FromSeconds(30),
        RetryWindow = TimeSpan.FromMinutes(10),
        TimeZone = TimeZoneInfo.FindSystemTimeZoneById("Europe/Sofia"),
        Culture = CultureInfo.GetCultureInfo("bg-BG"),
    };

    private static NotificationFacts Success(string tableName = "public.users", IReadOnlyList<string>? logTail = null) => new()
    {
        Success = true,
        TimeUtc = LateEvening,
        BackupName = "backup-2026-11-26T22-29-00",
        Location = "/srv/backups/backup-2026-11-26T22-29-00",
        Size = "1.2 MB",
        TotalRows = "1432",
        Tables = [new(tableName, "156"), new("public.evaluations", "62")],
        Duration = TimeSpan.FromSeconds(1.25),
        Verified = true,
        Database = "scorecard",
        Host = "db.example.org",
        LogTail = logTail ?? [],
    };

    private static NotificationFacts Failure(string message) => new()
    {
        Success = false,
        TimeUtc = LateEvening,
        ErrorId = "BackupFailed",
        ErrorMessage = message,
        LogTail = ["2026-11-26T22:29:00Z START", "2026-11-26T22:29:01Z FAILED " + message],
    };

    private static (MimeMessage Message, string Text, string Html) Render(NotificationFacts facts)
    {
        var message = NotificationMessage.Build(facts, Settings);
        return (message, message.TextBody!, message.HtmlBody!);
    }

    [Fact]
    public void SuccessSubjectIsUpstreamsWithTheDateInTheNotificationTimeZone()
    {
        Assert.StartsWith("✅ Database Backup Successful - 27.11.2026", NotificationMessage.Subject(Success(), Settings), StringComparison.Ordinal);
    }

    [Fact]
    public void FailureSubjectIsUpstreams()
    {
        Assert.StartsWith("❌ Database Backup Failed - 27.11.2026", NotificationMessage.Subject(Failure("x"), Settings), StringComparison.Ordinal);
    }

    [Fact]
    public void StaleSubjectNamesWhenTheLastGoodBackupWasAndAHeadlineReplacesTheSubject()
    {
        var stale = new NotificationFacts { Success = false, TimeUtc = LateEvening, StaleSinceUtc = LateEvening.AddDays(-2) };
        var headline = new NotificationFacts { Success = true, TimeUtc = LateEvening, Headline = "SalesScorecard SMTP test" };

        Assert.StartsWith("⚠️ No successful backup since 25.11.2026", NotificationMessage.Subject(stale, Settings), StringComparison.Ordinal);
        Assert.Equal("SalesScorecard SMTP test", NotificationMessage.Subject(headline, Settings));
    }

    [Fact]
    public void TheMessageGoesFromTheSenderToEveryRecipient()
    {
        var (message, _, _) = Render(Success());

        Assert.Equal("noreply@example.org", Assert.Single(message.From.Mailboxes).Address);
        Assert.Equal(["admin@example.org", "ops@example.org"], message.To.Mailboxes.Select(m => m.Address));
    }

    [Fact]
    public void ThePlainPartListsTheFactsTablesAndFooter()
    {
        var (_, text, _) = Render(Success());
        var lines = text.ReplaceLineEndings("\n").Split('\n');

        Assert.Equal("Status: Backup completed successfully", lines[0]);
        Assert.StartsWith("Time: ", lines[1], StringComparison.Ordinal);
        Assert.EndsWith("(Europe/Sofia)", lines[1], StringComparison.Ordinal);
        Assert.Contains("Backup: backup-2026-11-26T22-29-00", lines);
        Assert.Contains("Size: 1.2 MB", lines);
        Assert.Contains("Total rows: 1432", lines);
        Assert.Contains("Duration: 1,3 s", lines);
        Assert.Contains("Verified: yes, read back whole with pg_restore", lines);
        Assert.Contains("Server: db.example.org", lines);
        var rows = Array.IndexOf(lines, "Rows per table:");
        Assert.Equal(["  public.users: 156", "  public.evaluations: 62"], lines[(rows + 1)..(rows + 3)]);
        Assert.Equal(["--", NotificationMessage.Footer], lines[^3..^1]);
    }

    [Fact]
    public void AbsentOrBlankFactsAreLeftOut()
    {
        var facts = new NotificationFacts { Success = true, TimeUtc = LateEvening, Size = "  ", Database = "" };

        var (_, text, html) = Render(facts);

        Assert.DoesNotContain("Size", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Database", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Rows per table", text, StringComparison.Ordinal);
        Assert.DoesNotContain("backup.log", html, StringComparison.Ordinal);
    }

    [Fact]
    public void TheHtmlPartCarriesTheSameFactsInTables()
    {
        var (_, _, html) = Render(Success());

        Assert.Contains("<h2 style=\"color:#1a7f37\">Database backup successful</h2>", html, StringComparison.Ordinal);
        Assert.Matches("<tr><th align=\"left\" valign=\"top\">Total rows</th><td style=\"[^\"]*white-space:pre-wrap[^\"]*\">1432</td></tr>", html);
        Assert.Contains("<h3>Rows per table</h3>", html, StringComparison.Ordinal);
        Assert.Contains("<tr><td>public.users</td><td align=\"right\">156</td></tr>", html, StringComparison.Ordinal);
        Assert.EndsWith($"{NotificationMessage.Footer}</p></body></html>", html, StringComparison.Ordinal);
    }

    [Fact]
    public void TheChangeSinceThePreviousBackupAndTheTrendAreInBothPartsWithTheAnomalyMarked()
    {
        var facts = Success() with
        {
            TableChanges = new Dictionary<string, string> { ["public.users"] = "+2", ["public.evaluations"] = "-55", ["public.sessions"] = "-9" },
            AnomalousTables = new HashSet<string> { "public.evaluations", "public.sessions" },
            Trend = [new(LateEvening.AddDays(-1), 2_000_000, 2.0, false), new(LateEvening, 500_000, 1.0, true)],
        };

        var (_, text, html) = Render(facts);

        Assert.Contains("  public.evaluations: 62 (-55, ANOMALY)", text, StringComparison.Ordinal);
        Assert.Contains("  public.users: 156 (+2)", text, StringComparison.Ordinal);
        Assert.Contains("  public.sessions: gone (-9, ANOMALY)", text, StringComparison.Ordinal);
        Assert.Contains("The last 2 backups (started, UTC; stored size; duration):", text, StringComparison.Ordinal);
        Assert.Contains("<tr style=\"color:#cf222e;font-weight:bold\"><td>public.evaluations</td><td align=\"right\">62</td><td align=\"right\">-55 ⚠ anomaly</td></tr>", html, StringComparison.Ordinal);
        // The bars are table cells of a width in proportion: the larger night fills the bar, the other a quarter of it.
        Assert.Contains("width=\"100\" height=\"10\" bgcolor=\"#0969da\"", html, StringComparison.Ordinal);
        Assert.Contains("width=\"25\" height=\"10\" bgcolor=\"#cf222e\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<img", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void EveryValueIsHtmlEncodedInTheHtmlPartAndLeftAsItIsInThePlainPart()
    {
        var (_, text, html) = Render(Failure(Hostile));

        Assert.DoesNotContain("<script>", html, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;co&quot;", html, StringComparison.Ordinal);
        Assert.Contains($"Details: {Hostile}", text, StringComparison.Ordinal);
        Assert.Contains("<h2 style=\"color:#cf222e\">Database backup failed</h2>", html, StringComparison.Ordinal);
    }

    [Fact]
    public void TableNamesAndTheHeadlineAreEncodedToo()
    {
        var facts = new NotificationFacts { Success = true, TimeUtc = LateEvening, Headline = "<b>test</b>", Tables = [new("public.\"<odd>\"", "1")] };

        var (_, _, html) = Render(facts);

        Assert.Contains("&lt;b&gt;test&lt;/b&gt;", html, StringComparison.Ordinal);
        Assert.Contains("<td>public.&quot;&lt;odd&gt;&quot;</td>", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<odd>", html, StringComparison.Ordinal);
    }

    [Fact]
    public void TheLogTailEndsBothParts()
    {
        var (_, text, html) = Render(Failure(Hostile));

        Assert.Contains($"Last lines of backup.log:{Environment.NewLine}  2026-11-26T22:29:00Z START{Environment.NewLine}  2026-11-26T22:29:01Z FAILED {Hostile}", text, StringComparison.Ordinal);
        Assert.Matches("<h3>Last lines of backup.log</h3><pre style=\"[^\"]*white-space:pre-wrap[^\"]*\">2026-11-26T22:29:00Z START\n2026-11-26T22:29:01Z FAILED &lt;script&gt;", html);
    }

    [Fact]
    public void UpstreamsTestCommandsGiveTheFactsItsMailShowed()
    {
        var success = NotificationFacts.FromUpstreamDetails(true, NotificationFacts.ParseUpstreamJson(
            """{"backupPath":"test-backup","backupSize":"1.2M","totalRows":1432,"backupDir":"/srv/backups","tables":{"users":156,"teams":"22"}}"""));
        var failure = NotificationFacts.FromUpstreamDetails(false, NotificationFacts.ParseUpstreamJson("""{"error":"Test error message"}"""));

        Assert.Equal(("test-backup", "/srv/backups", "1.2M", "1432"), (success.BackupName, success.Location, success.Size, success.TotalRows));
        Assert.Equal([new("users", "156"), new("teams", "22")], success.Tables);
        var (_, text, _) = Render(failure);
        Assert.Contains("Status: Backup failed", text, StringComparison.Ordinal);
        Assert.Contains("Details: Test error message", text, StringComparison.Ordinal);
    }

    [Fact]
    public void DetailsThatAreNotAJsonObjectAreInvalidDetails()
    {
        Errors.Raises("InvalidDetails", () => NotificationFacts.ParseUpstreamJson("[1,2]"));
        Errors.Raises("InvalidDetails", () => NotificationFacts.ParseUpstreamJson("{\"backupPath\":"));
    }

    [Fact]
    public void AnOffsiteFailureMakesASuccessfulLocalBackupAWarning()
    {
        var backup = new BackupInfo
        {
            Name = "backup-x", Path = "/b/backup-x", Status = BackupStatus.Succeeded, CompletedAt = LateEvening, Verified = true,
            Offsite = "s3://bucket/nightly/backup-x", OffsiteVerified = false,
        };

        var facts = NotificationFacts.FromBackup(backup, [new ScorecardException(ScorecardErrors.OffsiteCopyFailed, "the store refused it")]);
        var (message, text, _) = Render(facts);

        Assert.Equal("⚠️ Local backup made, offsite copy FAILED", message.Subject);
        Assert.Contains("Offsite copy: s3://bucket/nightly/backup-x (FAILED: no complete copy is on the store)", text, StringComparison.Ordinal);
        Assert.Contains("Error: OffsiteCopyFailed", text, StringComparison.Ordinal);
    }

    [Fact]
    public void AMailTooBigForTheServerIsCutToItsLimitKeepingTheBeginningTheEndAndTheNewestLogLines()
    {
        var facts = Failure("FIRST " + string.Concat(Enumerable.Repeat("pg_dump: error: out of memory ", 20_000)) + " LAST") with
        {
            LogTail = Enumerable.Range(1, 20).Select(i => $"line {i} " + new string('x', 5_000)).ToList(),
        };
        var message = NotificationMessage.BuildToFit(facts, Settings, 50_000)!;
        using var measure = new MimeKit.IO.MeasuringStream();
        message.WriteTo(measure);
        Assert.True(measure.Length <= 50_000, $"{measure.Length} bytes");
        Assert.Contains("shortened to fit the mail server's limit of 50,000 bytes", message.TextBody, StringComparison.Ordinal);
        Assert.Contains("FIRST pg_dump", message.TextBody, StringComparison.Ordinal);
        Assert.Contains("memory  LAST", message.TextBody, StringComparison.Ordinal);
        Assert.Contains("line 20 ", message.TextBody, StringComparison.Ordinal);
        Assert.DoesNotContain("line 1 ", message.TextBody, StringComparison.Ordinal);
        Assert.Null(NotificationMessage.BuildToFit(facts, Settings, 500));
    }
}
