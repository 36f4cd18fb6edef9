using System.Text.RegularExpressions;

namespace SalesScorecard.Tests;

/// <summary>The one error catalog, and about_SalesScorecard's ERROR IDS section that documents it for users.</summary>
public sealed partial class ScorecardErrorsTests
{
    [Fact]
    public void HoldsEachIdOnceWithAMeaningThatSaysWhatToDo()
    {
        Assert.True(ScorecardErrors.All.Count > 60);
        Assert.Equal(ScorecardErrors.All.Count, ScorecardErrors.All.Select(e => e.Id).Distinct(StringComparer.Ordinal).Count());
        Assert.All(ScorecardErrors.All, e => Assert.True(e.Meaning.Length > 30, e.Id));
    }

    [Fact]
    public void AboutSalesScorecardDocumentsExactlyTheCatalogWithTheSameCategories()
    {
        var documented = DocumentedErrors();

        Assert.Equal(
            ScorecardErrors.All.Select(e => $"{e.Id} ({e.Category})"),
            documented.Select(d => $"{d.Id} ({d.Category})").Order(StringComparer.Ordinal));
    }

    /// <summary>The "Id (Category)" lines of the ERROR IDS section, read from the repository's docs.</summary>
    private static List<(string Id, string Category)> DocumentedErrors()
    {
        var about = File.ReadAllText(Repository.PathOf("docs", "about_SalesScorecard.md")).ReplaceLineEndings("\n");
        var section = SectionPattern().Match(about);
        Assert.True(section.Success, "about_SalesScorecard.md has no ERROR IDS section.");
        return EntryPattern().Matches(section.Groups[1].Value).Select(m => (m.Groups[1].Value, m.Groups[2].Value)).ToList();
    }

    [GeneratedRegex(@"## ERROR IDS\n(.*?)\n# ", RegexOptions.Singleline)]
    private static partial Regex SectionPattern();

    [GeneratedRegex(@"^    (\w+) \((\w+)\)$", RegexOptions.Multiline)]
    private static partial Regex EntryPattern();
}
