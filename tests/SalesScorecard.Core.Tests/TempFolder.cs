namespace SalesScorecard.Tests;

/// <summary>A fresh folder under the system's temporary folder, removed with everything in it on dispose.</summary>
internal sealed class TempFolder : IDisposable
{
    public TempFolder() => Directory.CreateDirectory(Path);

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "scorecard-unit-" + Guid.NewGuid().ToString("N"));

    public string Write(string name, string text)
    {
        var file = System.IO.Path.Combine(Path, name);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(file)!);
        File.WriteAllText(file, text);
        return file;
    }

    public string WriteBytes(byte[] bytes)
    {
        var file = System.IO.Path.Combine(Path, "data-" + Guid.NewGuid().ToString("N"));
        File.WriteAllBytes(file, bytes);
        return file;
    }

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
