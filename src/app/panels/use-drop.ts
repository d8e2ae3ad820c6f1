import { useState, type DragEvent } from 'react';

/** A drop zone's state and handlers: `dragging` while something is held over it, `onDrop` with what was dropped. */
export function useDropZone(onDrop: (data: DataTransfer) => void) {
  const [dragging, setDragging] = useState(false);
  return {
    dragging,
    handlers: {
      onDragOver: (e: DragEvent) => {
        e.preventDefault();
        setDragging(true);
      },
      onDragLeave: () => setDragging(false),
      onDrop: (e: DragEvent) => {
        e.preventDefault();
        setDragging(false);
        onDrop(e.dataTransfer);
      },
    },
  };
}
