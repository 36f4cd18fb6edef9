using System.Text;
using SalesScorecard.Backup;

namespace SalesScorecard.Tests.Backup;

/// <summary>backup.log is read from its end: the lines must come out as a whole read would give them.</summary>
public sealed class BackupLogTests
{
    private static IReadOnlyList<string> WholeRead(string text) =>
        text.Length == 0 ? [] : text.Split('\n').Select(l => l.TrimEnd('\r')).SkipLast(text.EndsWith('\n') ? 1 : 0).ToList();

    [Theory]
    [InlineData("a\nb\nc\n")]
    [InlineData("a\nb\nc")]
    [InlineData("a\r\nb\r\n\r\nc\r\n")]
    [InlineData("\n\nonly\n")]
    [InlineData("")]
    public void TailGivesTheLastLinesAsAWholeReadWould(string text)
    {
        using var folder = new TempFolder();
        folder.Write(BackupLog.FileName, text);
        var log = new BackupLog(folder.Path);
        Assert.Equal(WholeRead(text).TakeLast(2), log.Tail(2));
        Assert.Equal(WholeRead(text), log.Tail(100));
    }

    [Fact]
    public void TailReadsLinesThatCrossBlocksAndStopsAtSince()
    {
        using var folder = new TempFolder();
        var earlier = string.Concat(Enumerable.Range(0, 3000).Select(i => $"earlier line {i} {new string('x', 40)}\n"));
        var run = $"{new string('é', 70_000)}\nend of run\n";
        folder.Write(BackupLog.FileName, earlier + run);
        var log = new BackupLog(folder.Path);
        Assert.Equal([new string('é', 70_000), "end of run"], log.Tail(20, since: Encoding.UTF8.GetByteCount(earlier)));
        Assert.Equal(WholeRead(earlier + run).TakeLast(5), log.Tail(5));
    }

    [Fact]
    public void LatestRunStartsAtTheNewestStartAndKeepsItsLastLines()
    {
        using var folder = new TempFolder();
        var lines = new[] { "2026-12-01T21:00:00Z START   old run", "2026-12-01T21:00:01Z FAILED  BackupFailed: old" }
            .Concat(["2026-12-02T21:00:00Z START   new run"])
            .Concat(Enumerable.Range(1, 30).Select(i => $"2026-12-02T21:00:01Z INFO    step {i}"));
        folder.Write(BackupLog.FileName, string.Join("\n", lines) + "\n");
        var log = new BackupLog(folder.Path);
        Assert.Equal(Enumerable.Range(11, 20).Select(i => $"2026-12-02T21:00:01Z INFO    step {i}"), log.LatestRun(20));
        Assert.Equal("2026-12-02T21:00:00Z START   new run", log.LatestRun(40)[0]);
        Assert.Equal(31, log.LatestRun(40).Count);
    }

    [Fact]
    public void NoLogAndNoRunGiveNothing()
    {
        using var folder = new TempFolder();
        var log = new BackupLog(folder.Path);
        Assert.Empty(log.Tail(20));
        Assert.Empty(log.LatestRun(20));
        folder.Write(BackupLog.FileName, "2026-12-02T21:00:01Z INFO    no start\n");
        Assert.Empty(log.LatestRun(20));
    }
}
