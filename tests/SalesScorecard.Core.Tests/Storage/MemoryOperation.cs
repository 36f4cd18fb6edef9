namespace SalesScorecard.Tests.Storage;

/// <summary>What a test may make a <see cref="MemoryRepository"/> fail.</summary>
public enum MemoryOperation
{
    List,
    Read,
    CreateFile,
    Write,
    CompleteFile,
    Commit,
    Remove,
    Pin,
}
