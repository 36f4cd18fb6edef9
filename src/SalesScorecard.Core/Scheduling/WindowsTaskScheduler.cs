using System.Globalization;
using System.Text;
using System.Xml;
using SalesScorecard.Processes;

namespace SalesScorecard.Scheduling;

/// <summary>
/// Windows Task Scheduler through schtasks.exe and task XML: one task per entry in the \SalesScorecard\ folder, named
/// &lt;Name&gt;-Backup and &lt;Name&gt;-Watchdog, running as the current user whether logged on or not (S4U, no stored
/// password). The job's output is appended to the same logs as on cron.
/// </summary>
internal sealed class WindowsTaskScheduler : IBackupScheduler
{
    public const string Platform = "TaskScheduler";
    private const string Folder = @"\SalesScorecard\";
    private const string TaskNamespace = "http://schemas.microsoft.com/windows/2004/02/mit/task";

    public async Task<IReadOnlyList<ScheduleEntry>> ListAsync(string? name, CancellationToken cancellationToken)
    {
        var list = await SchTasks(["/Query", "/FO", "CSV", "/NH"], cancellationToken).ConfigureAwait(false);
        var entries = new List<ScheduleEntry>();
        foreach (var line in list.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var taskName = line.Split(',')[0].Trim('"');
            if (!taskName.StartsWith(Folder, StringComparison.OrdinalIgnoreCase) || ParseTaskName(taskName) is not { } parsed)
            {
                continue;
            }

            if ((name is null || string.Equals(parsed.Name, name, StringComparison.Ordinal)) && !entries.Any(e => e.Name == parsed.Name && e.Kind == parsed.Kind))
            {
                entries.Add(await ReadAsync(taskName, parsed.Name, parsed.Kind, cancellationToken).ConfigureAwait(false));
            }
        }

        return entries;
    }

    public async Task<IReadOnlyList<ScheduleEntry>> RegisterAsync(ScheduleRequest request, CancellationToken cancellationToken)
    {
        request.Validate();
        SecureFiles.CreateFolder(request.Destination);
        // schtasks /F replaces a task of the same name, so the old schedule stands until the new one does.
        var entries = new List<ScheduleEntry>
        {
            await CreateAsync(request, ScheduleKind.Backup, request.At, request.BackupScript(), ScheduleRequest.BackupLogName, cancellationToken).ConfigureAwait(false),
        };
        if (request.WatchdogAt is { } watchdog)
        {
            entries.Add(await CreateAsync(request, ScheduleKind.Watchdog, watchdog, request.WatchdogScript(), ScheduleRequest.WatchdogLogName, cancellationToken).ConfigureAwait(false));
        }
        else if ((await ListAsync(request.Name, cancellationToken).ConfigureAwait(false)).Any(e => e.Kind == ScheduleKind.Watchdog))
        {
            await SchTasks(["/Delete", "/TN", TaskName(request.Name, ScheduleKind.Watchdog), "/F"], cancellationToken).ConfigureAwait(false);
        }

        return entries;
    }

    public async Task<IReadOnlyList<ScheduleEntry>> UnregisterAsync(string name, IReadOnlyCollection<string>? kinds, CancellationToken cancellationToken)
    {
        var existing = (await ListAsync(name, cancellationToken).ConfigureAwait(false)).Where(e => kinds is null || kinds.Contains(e.Kind)).ToList();
        foreach (var entry in existing)
        {
            await SchTasks(["/Delete", "/TN", TaskName(entry.Name, entry.Kind), "/F"], cancellationToken).ConfigureAwait(false);
        }

        return existing;
    }

    private static async Task<ScheduleEntry> CreateAsync(ScheduleRequest request, string kind, TimeOnly at, string script, string logName, CancellationToken cancellationToken)
    {
        var log = Path.Combine(request.Destination, logName);
        // Task Scheduler has no shell to redirect output: pwsh appends every stream to the log itself.
        var command = $"& {{ {script} }} *>> {ScheduleRequest.PsQuote(log)}";
        var arguments = string.Join(' ', request.Pwsh.Skip(1).Select(Quote)) + $" -NoProfile -NonInteractive -Command {Quote(command)}";
        var xml = TaskXml(request.Name, kind, at, request.Pwsh[0], arguments.Trim());
        var file = Path.Combine(Path.GetTempPath(), $"scorecard-task-{Guid.NewGuid():N}.xml");
        await File.WriteAllTextAsync(file, xml, Encoding.Unicode, cancellationToken).ConfigureAwait(false);
        try
        {
            await SchTasks(["/Create", "/TN", TaskName(request.Name, kind), "/XML", file, "/F"], cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            File.Delete(file);
        }

        return new ScheduleEntry(request.Name, kind, $"daily {at:HH:mm}", $"{Quote(request.Pwsh[0])} {arguments.Trim()}", Platform);
    }

    private static async Task<ScheduleEntry> ReadAsync(string taskName, string name, string kind, CancellationToken cancellationToken)
    {
        var document = new XmlDocument();
        document.LoadXml(await SchTasks(["/Query", "/TN", taskName, "/XML"], cancellationToken).ConfigureAwait(false));
        var namespaces = new XmlNamespaceManager(document.NameTable);
        namespaces.AddNamespace("t", TaskNamespace);
        var start = document.SelectSingleNode("//t:CalendarTrigger/t:StartBoundary", namespaces)?.InnerText;
        var at = DateTime.TryParse(start, CultureInfo.InvariantCulture, DateTimeStyles.None, out var boundary) ? $"daily {boundary:HH:mm}" : "daily";
        var command = document.SelectSingleNode("//t:Exec/t:Command", namespaces)?.InnerText ?? string.Empty;
        var arguments = document.SelectSingleNode("//t:Exec/t:Arguments", namespaces)?.InnerText ?? string.Empty;
        return new ScheduleEntry(name, kind, at, $"{Quote(command)} {arguments}", Platform);
    }

    private static string TaskXml(string name, string kind, TimeOnly at, string program, string arguments)
    {
        var text = new StringBuilder();
        using (var writer = XmlWriter.Create(text, new XmlWriterSettings { Indent = true, OmitXmlDeclaration = true }))
        {
            writer.WriteStartElement("Task", TaskNamespace);
            writer.WriteAttributeString("version", "1.2");
            writer.WriteStartElement("RegistrationInfo", TaskNamespace);
            writer.WriteElementString("Description", TaskNamespace, $"SalesScorecard {kind} ({name})");
            writer.WriteEndElement();
            writer.WriteStartElement("Triggers", TaskNamespace);
            writer.WriteStartElement("CalendarTrigger", TaskNamespace);
            writer.WriteElementString("StartBoundary", TaskNamespace, $"2026-01-01T{at:HH:mm}:00");
            writer.WriteElementString("Enabled", TaskNamespace, "true");
            writer.WriteStartElement("ScheduleByDay", TaskNamespace);
            writer.WriteElementString("DaysInterval", TaskNamespace, "1");
            writer.WriteEndElement();
            writer.WriteEndElement();
            writer.WriteEndElement();
            writer.WriteStartElement("Principals", TaskNamespace);
            writer.WriteStartElement("Principal", TaskNamespace);
            writer.WriteAttributeString("id", "Author");
            writer.WriteElementString("UserId", TaskNamespace, $@"{Environment.UserDomainName}\{Environment.UserName}");
            // S4U: runs whether the user is logged on or not, without storing a password.
            writer.WriteElementString("LogonType", TaskNamespace, "S4U");
            writer.WriteElementString("RunLevel", TaskNamespace, "LeastPrivilege");
            writer.WriteEndElement();
            writer.WriteEndElement();
            writer.WriteStartElement("Settings", TaskNamespace);
            writer.WriteElementString("MultipleInstancesPolicy", TaskNamespace, "IgnoreNew");
            writer.WriteElementString("DisallowStartIfOnBatteries", TaskNamespace, "false");
            writer.WriteElementString("StopIfGoingOnBatteries", TaskNamespace, "false");
            writer.WriteElementString("StartWhenAvailable", TaskNamespace, "true");
            writer.WriteElementString("ExecutionTimeLimit", TaskNamespace, "PT12H");
            writer.WriteElementString("Enabled", TaskNamespace, "true");
            writer.WriteEndElement();
            writer.WriteStartElement("Actions", TaskNamespace);
            writer.WriteAttributeString("Context", "Author");
            writer.WriteStartElement("Exec", TaskNamespace);
            writer.WriteElementString("Command", TaskNamespace, program);
            writer.WriteElementString("Arguments", TaskNamespace, arguments);
            writer.WriteEndElement();
            writer.WriteEndElement();
            writer.WriteEndElement();
        }

        return text.ToString();
    }

    private static string TaskName(string name, string kind) => $"{Folder}{name}-{kind}";

    private static (string Name, string Kind)? ParseTaskName(string taskName)
    {
        var leaf = taskName[Folder.Length..];
        var dash = leaf.LastIndexOf('-');
        return dash > 0 && ScheduleKind.Find(leaf[(dash + 1)..]) is { } kind ? (leaf[..dash], kind) : null;
    }

    /// <summary>A Windows command-line argument: quoted, inner quotes escaped as the C runtime reads them.</summary>
    private static string Quote(string value) => "\"" + value.Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";

    private static async Task<string> SchTasks(string[] arguments, CancellationToken cancellationToken)
    {
        var result = await ExternalProcess.RunAsync("schtasks.exe", arguments, new Dictionary<string, string?>(), cancellationToken).ConfigureAwait(false);
        return result.ExitCode == 0
            ? result.StandardOutput
            : throw new ScorecardException(ScorecardErrors.ScheduleUnavailable,
                $"schtasks {arguments[0]} failed (exit code {result.ExitCode}): {result.StandardError}");
    }
}
