namespace SalesScorecard.Tests;

/// <summary>Files of the repository the tests read: docs and fixtures.</summary>
internal static class Repository
{
    public static string Root { get; } = FindRoot();

    public static string PathOf(params string[] parts) => Path.Combine([Root, .. parts]);

    private static string FindRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "SalesScorecard.slnx")))
            {
                return folder.FullName;
            }
        }

        throw new InvalidOperationException($"No SalesScorecard.slnx above {AppContext.BaseDirectory}.");
    }
}
