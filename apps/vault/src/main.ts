// Placeholder entry point; the vault's real bootstrap lands with the HTTP skeleton.
import 'reflect-metadata';
