"""I/O and the live HAProxy: conversion, formatting, the binary, the runtime API."""
